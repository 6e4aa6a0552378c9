// `mlobs drift check` as CI runs it: a child process on Parquet and CSV files generated here, no stack.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../storage/clickhouse.js';
import { spawnMlobs } from '../../test/helpers/process.js';
import { choices, normals } from '../testing/data.js';
import { countCategories, jsCategorical, populationStd, wasserstein1 } from '../stats/index.js';
import { parseChecks, tailLimit } from './checks.js';

const dir = mkdtempSync(join(tmpdir(), 'mlobs-drift-check-'));
const f = (name: string) => join(dir, name);

interface Rows {
  amount: number[];
  country: string[];
  note: (number | null)[];
}
const rows = (seed: number, n: number, shift = 0, fresh = 0, nulls = 0): Rows => ({
  amount: normals(seed, n, 50 + 10 * shift, 10, 4),
  country: choices(seed + 1, n, ['DE', 'FR', 'US', 'XX'], [3, 3, 3, 9 * fresh]),
  note: normals(seed + 2, n, 0, 1, 4).map((x, i) => (i < n * nulls ? null : x)),
});
const train = rows(1, 3000);
const same = rows(11, 2500);
const drifted = rows(21, 2500, 1, 0.2, 0.3);

function csv(path: string, r: Rows): void {
  const lines = r.amount.map((a, i) => `${a},${r.country[i]},${r.note[i] ?? ''}`);
  writeFileSync(path, `amount,country,note\n${lines.join('\n')}\n`);
}

async function mlobs(...args: string[]): Promise<{ code: number; out: string }> {
  const child = spawnMlobs(['drift', 'check', ...args], {});
  const code = await new Promise<number>((r) => child.once('exit', (c) => r(c ?? -1)));
  return { code, out: child.output() };
}

beforeAll(async () => {
  csv(f('train.csv'), train);
  csv(f('same.csv'), same);
  csv(f('drifted.csv'), drifted);
  // Parquet written by the engine from the CSV files (the test process's own engine, in its own directory).
  const store = await openStore({ dataDir: f('engine'), database: 'gen' });
  try {
    for (const name of ['train', 'same', 'drifted']) {
      await store.command(`INSERT INTO FUNCTION file('${f(`${name}.parquet`)}', 'Parquet') SELECT * FROM file('${f(`${name}.csv`)}', 'CSVWithNames')`);
    }
  } finally {
    await store.close();
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mlobs drift check', () => {
  it('passes same-distribution Parquet files with exit code 0, a JUnit file and an HTML report', async () => {
    const r = await mlobs('--reference', f('train.parquet'), '--current', f('same.parquet'), '--junit', f('ok.xml'), '--html', f('ok.html'));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^all \d+ checks passed$/m);
    expect(r.out).toMatch(/^pass\s+feature_drift: amount\s+wasserstein/m);
    const xml = readFileSync(f('ok.xml'), 'utf8');
    expect(xml).toMatch(/<testsuite name="same.parquet vs train.parquet" tests="\d+" failures="0"/);
    expect(xml).not.toContain('<failure');
    expect(readFileSync(f('ok.html'), 'utf8')).toContain('amount');
  }, 120_000);

  it('fails a drifted CSV batch with exit code 1 and names every failing check in JUnit XML', async () => {
    const r = await mlobs('--reference', f('train.csv'), '--current', f('drifted.csv'), '--junit', f('bad.xml'), '--quiet');
    expect(r.code, r.out).toBe(1);
    const failed = [...r.out.matchAll(/^FAIL\s+(\S+(?: \S+)?)\s{2}/gm)].map((m) => m[1]!.trim()).sort();
    expect(failed).toEqual(
      ['dataset_drift', 'feature_drift: amount', 'feature_drift: country', 'feature_drift: note', 'missing_share: note', 'new_categories: country', 'value_range: amount'].sort(),
    );
    const xml = readFileSync(f('bad.xml'), 'utf8');
    expect(xml.match(/<failure /g)).toHaveLength(7);
    expect(xml).toMatch(/name="new_categories: country"[^]*?<failure message="[^"]*largest &quot;XX&quot;/);
  }, 120_000);

  it('computes the statistics of the stack on the file values (drift/stats on the same arrays)', async () => {
    const r = await mlobs('--reference', f('train.csv'), '--current', f('drifted.csv'), '--format', 'json');
    expect(r.code).toBe(1);
    const body = JSON.parse(r.out) as { report: { features: { feature: string; results: { method: string; statistic: number }[] }[] } };
    const stat = (name: string, method: string) => body.report.features.find((x) => x.feature === name)!.results.find((x) => x.method === method)!.statistic;
    const w = wasserstein1(train.amount, drifted.amount);
    const sd = populationStd(train.amount);
    if (!w.ok || !sd.ok) throw new Error('pure layer failed');
    expect(Math.abs(stat('amount', 'wasserstein') - w.value / sd.value)).toBeLessThan(1e-9);
    const js = jsCategorical(countCategories(train.country), countCategories(drifted.country));
    if (!js.ok) throw new Error('pure layer failed');
    expect(Math.abs(stat('country', 'js') - js.value)).toBeLessThan(1e-12);
  }, 120_000);

  it('applies the conditions of checks.yaml instead of those derived from the reference', async () => {
    writeFileSync(
      f('checks.yaml'),
      `checks:
  row_count: {min: 5000}
  new_categories: {max_share: 0.5}
  missing_share: {max_delta: 0.5}
  features:
    amount: {value_range: {min: 0, max: 1000}, skip: [feature_drift]}
drift:
  thresholds: {wasserstein: 2, js: 0.9}
  dataset: {share: 0.9}
  missingThreshold: 0.5
`,
    );
    const r = await mlobs('--reference', f('train.csv'), '--current', f('drifted.csv'), '--config', f('checks.yaml'));
    const failed = [...r.out.matchAll(/^FAIL\s+(\S+)/gm)].map((m) => m[1]);
    expect(failed, r.out).toEqual(['row_count']);
    expect(r.out).toMatch(/^FAIL\s+row_count\s+2500 rows\s+>= 5000 \(yaml\)$/m);
    expect(r.out).toMatch(/^pass\s+value_range: amount\s+.*share outside \[0, 1000\] <= 0\.00% \(yaml\)$/m);
    expect(r.code).toBe(1);
  }, 120_000);

  it.each([
    ['a file that does not exist', ['--reference', 'nope.parquet', '--current', 'x.csv'], /nope\.parquet: no such file/],
    ['an unknown file type', ['--reference', __filename, '--current', __filename], /unknown file type "\.ts"/],
    ['a missing flag', ['--reference', 'a.csv'], /--current is required/],
    ['an unknown key in checks.yaml', ['--reference', 'a.csv', '--current', 'b.csv', '--config', 'BADCONFIG'], /checks: Unrecognized key: "colour"|colour/],
  ])('exits with code 2 on %s and names the problem', async (_what, args, message) => {
    writeFileSync(f('bad-checks.yaml'), 'checks: {colour: blue}\n');
    const r = await mlobs(...args.map((a) => (a === 'BADCONFIG' ? f('bad-checks.yaml') : a)));
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(message);
  }, 60_000);

  it('refuses a file that cannot be parsed with exit code 2, naming the file', async () => {
    writeFileSync(f('broken.parquet'), 'not parquet at all');
    const r = await mlobs('--reference', f('broken.parquet'), '--current', f('same.csv'));
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/broken\.parquet: cannot be read as Parquet/);
  }, 60_000);
});

describe('conditions derived from the reference', () => {
  it('allow as many values beyond the reference range as a same-distribution sample reaches with probability 0.5 %', () => {
    const tail = (n: number, m: number, k: number) => {
      let p = 1;
      for (let i = 0; i < k; i++) p *= (m - i) / (n + m - i);
      return p;
    };
    for (const [n, m] of [[3000, 2500], [100, 10_000], [10_000, 100]] as const) {
      const k = tailLimit(n, m, 0.005);
      expect(tail(n, m, k)).toBeLessThanOrEqual(0.005);
      expect(tail(n, m, k - 1)).toBeGreaterThan(0.005);
    }
  });

  it('take the drift section of checks.yaml and refuse a bad key in it by name', () => {
    expect(parseChecks({ drift: { thresholds: { js: 0.2 } } }).drift.thresholds.js).toBe(0.2);
    expect(() => parseChecks({ drift: { tresholds: {} } })).toThrow(/drift\..*tresholds/);
  });
});
