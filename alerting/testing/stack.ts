import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitReady } from '../../test/helpers/process.js';

/** The first of `names` on PATH; throws naming the Debian package to install (tests never skip for a missing tool). */
export function findTool(names: string[], debianPackage: string): string {
  for (const n of names) {
    try {
      return execFileSync('sh', ['-c', `command -v ${n}`], { encoding: 'utf8' }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error(`none of ${names.join(', ')} is on PATH: install the Debian package ${debianPackage} (npm test does)`);
}

/** A real Prometheus Alertmanager on 127.0.0.1 with clustering off and a temporary storage dir. */
export async function startAlertmanager(): Promise<{ url: string; alerts: () => Promise<any[]>; stop: () => Promise<void>; output: () => string }> {
  const bin = findTool(['prometheus-alertmanager', 'alertmanager'], 'prometheus-alertmanager');
  const dir = mkdtempSync(join(tmpdir(), 'mlobs-am-'));
  writeFileSync(join(dir, 'am.yml'), 'route:\n  receiver: blackhole\n  group_wait: 0s\nreceivers:\n  - name: blackhole\n');
  const port = await freePort();
  const child: ChildProcess = spawn(bin, [`--config.file=${join(dir, 'am.yml')}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const exited = { output: () => out, get exitCode() { return child.exitCode; } };
  await waitReady(`${url}/-/ready`, exited, 20_000);
  return {
    url,
    alerts: async () => (await (await fetch(`${url}/api/v2/alerts`)).json()) as any[],
    output: () => out,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}
