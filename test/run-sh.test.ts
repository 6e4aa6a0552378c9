/**
 * test/run.sh when the external tools are missing: it runs with a PATH holding only a few commands
 * and stubs of `id` and `apt-get`, so no real package is installed and the system is not touched
 * (policy-rc.d goes to a temporary path through MLOBS_POLICY_RC_D).
 */
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from './helpers/process.js';
import { waitUntil } from './helpers/eventually.js';

const ALL = 'kcat openjdk-17-jdk-headless maven prometheus prometheus-alertmanager chromium';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A directory of commands: the few real ones the script needs before installing, and the stubs. */
function sandbox(uid: number, aptGet: string): { bin: string; dir: string; policy: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mlobs-run-sh-'));
  dirs.push(dir);
  const bin = join(dir, 'bin');
  execFileSync('mkdir', [bin]);
  for (const cmd of ['dirname', 'chmod', 'rm', 'sleep', 'touch']) symlinkSync(execFileSync('bash', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim(), join(bin, cmd));
  const stub = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  stub('id', `echo ${uid}`);
  const log = join(dir, 'apt.log');
  stub('apt-get', aptGet.replaceAll('$LOG', log));
  return { bin, dir, policy: join(dir, 'policy-rc.d'), log };
}

function run(s: { bin: string; policy: string }) {
  const child = spawn('/bin/bash', ['test/run.sh'], { cwd: REPO, env: { PATH: s.bin, MLOBS_POLICY_RC_D: s.policy }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((r) => child.once('exit', (code, signal) => r(code ?? (signal ? -1 : null))));
  return { child, exit, output: () => out };
}

const waitFor = (what: string, cond: () => boolean, timeoutMs = 20_000) => waitUntil(cond, { timeoutMs, what });

describe('npm test (test/run.sh) with tools missing', () => {
  it('stops at once when not root, printing the exact apt-get command and installing nothing', async () => {
    const s = sandbox(1000, 'echo "$@" >> $LOG; exit 0');
    const r = run(s);
    const code = await r.exit;
    expect(code).toBe(1);
    expect(r.output()).toContain(`sudo apt-get install -y ${ALL}`);
    expect(existsSync(s.log)).toBe(false);
    expect(existsSync(s.policy)).toBe(false);
  });

  it('as root on Debian, installs with policy-rc.d denying service starts, and removes it when the install fails', async () => {
    // The stub records whether policy-rc.d was in place (and denies starts) while apt-get ran.
    const s = sandbox(0, `[ -x "$MLOBS_POLICY_RC_D" ] && "$MLOBS_POLICY_RC_D"; echo "$* policy=$?" >> $LOG; [ "$1" = update ] && exit 0; exit 100`);
    const r = run(s);
    const code = await r.exit;
    expect(code).toBe(100);
    expect(readFileSync(s.log, 'utf8')).toBe(`update -qq policy=101\ninstall -y -qq ${ALL} policy=101\n`);
    expect(existsSync(s.policy)).toBe(false);
  });

  it('removes the policy-rc.d it wrote when interrupted during the install', async () => {
    const s = sandbox(0, `touch $LOG; sleep 30`);
    const r = run(s);
    await waitFor('apt-get to start', () => existsSync(s.log));
    expect(existsSync(s.policy)).toBe(true);
    process.kill(-r.child.pid!, 'SIGINT'); // Ctrl-C reaches the whole process group
    expect(await r.exit).toBe(130);
    expect(existsSync(s.policy)).toBe(false);
  });

  it('leaves a policy-rc.d that was there before alone', async () => {
    const s = sandbox(0, 'exit 100');
    writeFileSync(s.policy, '#!/bin/sh\nexit 0\n');
    const r = run(s);
    expect(await r.exit).toBe(100);
    expect(readFileSync(s.policy, 'utf8')).toBe('#!/bin/sh\nexit 0\n');
  });
});
