// `mlobs drift` as a user runs it: a real child process against a running stack.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnMlobs } from '../test/helpers/process.js';
import { testStack } from '../test/helpers/stack.js';
import { DAY, day, normals, postAll, predictions } from './testing/data.js';

let s: Awaited<ReturnType<typeof testStack>>;
const dir = mkdtempSync(join(tmpdir(), 'mlobs-drift-cli-'));
const CUR = day(6);
const iso = (ms: number) => new Date(ms).toISOString();

async function mlobs(...args: string[]): Promise<{ code: number; out: string }> {
  const child = spawnMlobs(['drift', ...args, '--url', s.url], {});
  const code = await new Promise<number>((r) => child.once('exit', (c) => r(c ?? -1)));
  return { code, out: child.output() };
}

beforeAll(async () => {
  s = await testStack();
  await postAll(s.post, '/v1/predictions', predictions('cli-model', 'c', CUR, { amount: normals(70, 300, 55, 10), channel: normals(71, 300).map((x) => (x > 0 ? 'web' : 'app')) }));
  expect(await s.drain()).toBe(true);
}, 120_000);
afterAll(async () => s?.stop());

describe('mlobs drift', () => {
  it('uploads a training set from an NDJSON file in chunks and reports against it as a table', async () => {
    const file = join(dir, 'train.ndjson');
    writeFileSync(file, normals(72, 2000, 50, 10).map((amount, i) => JSON.stringify({ amount, channel: i % 2 ? 'web' : 'app' })).join('\n') + '\n');
    const up = await mlobs('reference', '--model', 'cli-model', '--file', file, '--chunk-mb', '0.02');
    expect(up.out).toMatch(/uploaded 2000 rows as reference \S+ of model cli-model/);
    expect(up.code).toBe(0);
    const r = await mlobs('report', '--model', 'cli-model', '--from', iso(CUR), '--to', iso(CUR + DAY));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/reference upload \S+ \(2000 rows\)/);
    expect(r.out).toMatch(/data set drifted: YES — 1 of 2 features/);
    expect(r.out).toMatch(/^amount\s+numerical\s+ok\s+wasserstein\*\s+0\.\d+\s+-\s+0\.1\s+YES\s+YES\s+2000\s+300\s+0\.0%\s+0\.0%$/m);
  });

  it('reports as JSON with the methods and the reference window asked for', async () => {
    const r = await mlobs('report', '--model', 'cli-model', '--from', String(CUR), '--to', String(CUR + DAY), '--reference', `${iso(CUR)}/${iso(CUR + DAY)}`, '--methods', 'psi', '--format', 'json');
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out);
    expect(body.reference).toMatchObject({ type: 'window', rows: 300 });
    expect(body.features.find((f: any) => f.feature === 'amount').results).toMatchObject([{ method: 'psi', statistic: 0, drifted: false }]);
  });

  it('writes a self-contained HTML report with --format html --out', async () => {
    const out = join(dir, 'nested', 'report.html');
    const r = await mlobs('report', '--model', 'cli-model', '--from', iso(CUR), '--to', iso(CUR + DAY), '--format', 'html', '--out', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote .*report\.html \(\d+ bytes\): 1 of 2 input features drifted/);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/<svg/);
    expect(html).toContain('cli-model');
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect((await mlobs('report', '--model', 'cli-model', '--from', iso(CUR), '--to', iso(CUR + DAY), '--format', 'html')).out).toMatch(/--format html needs --out FILE/);
  });

  it('takes --from in the shared time syntax with --to defaulting to now, and names a bad --from before calling the stack', async () => {
    const r = await mlobs('report', '--model', 'cli-model', '--from', 'now-7d', '--format', 'json');
    expect(r.code, r.out).toBe(0);
    const body = JSON.parse(r.out.slice(r.out.indexOf('{')));
    expect(Date.parse(body.window.to) - Date.parse(body.window.from)).toBe(7 * DAY);
    expect(body.window.rows).toBe(300);
    const bad = await mlobs('report', '--model', 'cli-model', '--from', 'last week');
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/--from: not a time: "last week" \(use ISO 8601/);
  });

  it('declares a reference window written relative to now, stored as the instants it meant, --to defaulting to now', async () => {
    const before = Date.now();
    const r = await mlobs('reference', '--model', 'cli-declared', '--from', 'now-7d');
    expect(r.code, r.out).toBe(0);
    const declared = JSON.parse(r.out.slice(r.out.indexOf('{'))).declared;
    expect(declared.type).toBe('window');
    expect(declared.to - declared.from).toBe(7 * DAY);
    expect(declared.to).toBeGreaterThanOrEqual(before);
  });

  it('exits with 2 and the server\'s message for a bad request', async () => {
    const r = await mlobs('report', '--model', 'cli-model', '--from', iso(CUR), '--to', iso(CUR + DAY), '--methods', 'magic');
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/unknown method "magic"/);
  });
});
