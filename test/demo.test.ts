/**
 * `mlobs demo` as a newcomer runs it: every module shows something within minutes, through the
 * commands the demo prints. The drift starts at once here (--drift-after 0s) instead of after 2 min.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnMlobs, waitReady } from './helpers/process.js';

let demo: ReturnType<typeof spawnMlobs>;
let url = '';
const dir = mkdtempSync(join(tmpdir(), 'mlobs-demo-test-'));

async function mlobs(...args: string[]): Promise<{ code: number; out: string }> {
  const child = spawnMlobs([...args, '--url', url], {});
  const code = await new Promise<number>((r) => child.once('exit', (c) => r(c ?? -1)));
  return { code, out: child.output() };
}

/** Runs `probe` until it returns true; fails the test with what it saw last when time runs out. */
async function until(what: string, probe: () => Promise<{ ok: boolean; seen: string }>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  for (;;) {
    const r = await probe();
    if (r.ok) return;
    seen = r.seen;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s; last seen:\n${seen}\n--- demo output ---\n${demo.output().slice(-4000)}`);
    await new Promise((res) => setTimeout(res, 1000));
  }
}

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  demo = spawnMlobs(['demo', '--port', String(port), '--data-dir', join(dir, 'data'), '--drift-after', '0s'], { MLOBS_LOG_LEVEL: 'warn' });
  await waitReady(`${url}/readyz`, demo);
  await until('the demo prints its commands', async () => ({ ok: demo.output().includes('npx mlobs cost'), seen: demo.output() }), 60_000);
}, 120_000);

afterAll(async () => {
  if (demo && demo.exitCode === null) {
    demo.kill('SIGTERM');
    await new Promise((r) => demo.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('mlobs demo', () => {
  it('prints the commands that show alerts, SLOs, drift and cost', () => {
    const out = demo.output();
    for (const cmd of ['npx mlobs alerts', 'npx mlobs slo status', 'npx mlobs drift report --model fraud-detector --from now-1h', 'npx mlobs cost --by team --from now-1h']) expect(out).toContain(cmd);
  });

  it('fires PipelineFailed for the failed training-weekly run, listed by mlobs alerts', async () => {
    await until(
      'a firing PipelineFailed',
      async () => {
        const r = await mlobs('alerts', '--json');
        const alerts = r.code === 0 ? (JSON.parse(r.out) as { state: string; labels: Record<string, string> }[]) : [];
        return { ok: alerts.some((a) => a.state === 'firing' && a.labels.alertname === 'PipelineFailed' && a.labels.pipeline === 'training-weekly'), seen: r.out };
      },
      60_000,
    );
    const text = await mlobs('alerts');
    expect(text.out).toMatch(/^FIRING PipelineFailed critical/m);
    expect(text.out).toContain('CUDA error: out of memory');
  }, 90_000);

  it('lists SLOs on both models with mlobs slo status', async () => {
    const r = await mlobs('slo', 'status', '--json');
    expect(r.code, r.out).toBe(0);
    const slos = (JSON.parse(r.out) as { slos: { slo: string }[] }).slos.map((s) => s.slo).sort();
    expect(slos).toEqual(['eta-regressor-availability', 'eta-regressor-latency', 'fraud-detector-availability', 'fraud-detector-latency']);
  });

  it('answers mlobs drift report --model fraud-detector --from now-1h against the uploaded training set', async () => {
    const r = await mlobs('drift', 'report', '--model', 'fraud-detector', '--from', 'now-1h');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/model fraud-detector: current .* \(\d+ rows\), reference upload \S+ \(2000 rows\)/);
  });

  it('answers mlobs cost by team with the demo prices', async () => {
    await until(
      'GPU cost',
      async () => {
        const r = await mlobs('cost', '--by', 'team', '--from', 'now-1h', '--format', 'json');
        const body = r.code === 0 ? JSON.parse(r.out) : null;
        return { ok: Boolean(body && body.total.cost > 0 && body.groups.some((g: { group: string }) => g.group === 'payments')), seen: r.out };
      },
      60_000,
    );
  }, 90_000);

  it('flags the drifting model: the schedule stores drift of fraud-detector and FeatureDrift fires for it, not for eta-regressor', async () => {
    let firing: { labels: Record<string, string> }[] = [];
    await until(
      'a firing FeatureDrift',
      async () => {
        const r = await mlobs('alerts', '--json', '--state', 'firing');
        firing = r.code === 0 ? (JSON.parse(r.out) as typeof firing).filter((a) => a.labels.alertname === 'FeatureDrift') : [];
        return { ok: firing.length > 0, seen: r.out };
      },
      180_000,
    );
    expect(new Set(firing.map((a) => a.labels.model))).toEqual(new Set(['fraud-detector']));
  }, 200_000);
});
