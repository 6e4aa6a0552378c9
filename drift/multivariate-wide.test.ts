import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../app/config.js';
import { testStack } from '../test/helpers/stack.js';
import { vectorSample } from './engine/multivariate.js';
import { bothSides } from './engine/source.js';
import { collect } from './engine/collect.js';
import { multivariateReport } from './report/multivariate.js';
import type { DriftReport } from './report/types.js';
import { choices, DAY, day, normals, postAll, predictions } from './testing/data.js';
import { numpyReference } from './testing/python.js';

// Model `wide`: 96 numerical features and one categorical with 4 categories, 100 standardised
// columns (the default maxColumns) with weak structure, so PCA keeps about 60 components: the
// reconstruction statement then holds 100 × 60 coefficients. One row in 25 lacks one feature (the
// reference mean is imputed), which takes the per-column path of the dense extraction.
const REF = day(3);
const CUR = day(4);
const N_REF = 400;
const N_CUR = 300;
const NUM = Array.from({ length: 96 }, (_, i) => `x${String(i).padStart(2, '0')}`);

function wide(seed: number, n: number) {
  const common = normals(seed, n);
  const cols: Record<string, (number | string | undefined)[]> = {};
  NUM.forEach((name, j) => {
    const own = normals(seed + 1 + j, n, j % 7, 1 + (j % 3));
    cols[name] = own.map((v, i) => (i % 25 === j % 25 && j < 20 ? undefined : v + (j < 10 ? 0.8 * common[i]! : 0)));
  });
  cols.kind = choices(seed + 500, n, ['a', 'b', 'c', 'd'], [4, 3, 2, 1]);
  return cols;
}
const ref = wide(1000, N_REF);
const cur = wide(2000, N_CUR);
// Rows as sklearn sees them: the numbers (null when missing), then the one-hot columns.
const asRows = (c: ReturnType<typeof wide>) =>
  Array.from({ length: c.kind!.length }, (_, i) => [...NUM.map((k) => (c[k]![i] === undefined ? null : (c[k]![i] as number))), ...['a', 'b', 'c', 'd'].map((v) => (c.kind![i] === v ? 1 : 0))]);

let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  s = await testStack({});
  await postAll(s.post, '/v1/predictions', predictions('wide', 'r', REF, ref as never));
  await postAll(s.post, '/v1/predictions', predictions('wide', 'c', CUR, cur as never));
  expect(await s.drain()).toBe(true);
}, 600_000);
afterAll(async () => s?.stop(), 120_000);

describe('multivariate drift over 100 columns', () => {
  it('computes the PCA error of 100 columns with missing values as scikit-learn does, to 1e-9 relative', async () => {
    const res = await fetch(`${s.url}/v1/drift/report?model=wide&from=${CUR}&to=${CUR + DAY}&reference_from=${REF}&reference_to=${REF + DAY}`);
    const body = (await res.json()) as DriftReport;
    expect(res.status, JSON.stringify(body).slice(0, 500)).toBe(200);
    const mv = body.multivariate!;
    expect(mv.columns).toHaveLength(100);
    expect(mv.sampled).toBeUndefined();
    const pca = mv.results.find((x) => x.method === 'pca_error')!;
    expect(pca.status, pca.message ?? '').toBe('ok');
    const chunks = Array.from({ length: 10 }, (_, k) => asRows(ref).slice(k * 40, k * 40 + 40));
    const py = await numpyReference<{ pca: { kept: number; errors: number[] } }>({ pca: { reference: asRows(ref), windows: [asRows(cur), ...chunks], share: 0.65 } });
    expect(py.pca.kept).toBeGreaterThan(40);
    expect(pca.details.components).toBe(py.pca.kept);
    expect(Math.abs(pca.statistic! - py.pca.errors[0]!) / py.pca.errors[0]!).toBeLessThan(1e-9);
    (pca.details.chunk_errors as number[]).forEach((e, k) => expect(Math.abs(e - py.pca.errors[k + 1]!) / e).toBeLessThan(1e-9));
    expect(mv.results.find((x) => x.method === 'mmd')!.status).toBe('ok');
  }, 600_000);

  it('reads a seeded sample of about maxRows rows per side for pca_error beyond maxRows, the same on every run', async () => {
    const config = validateConfig({}).drift;
    // Ten reference chunks of about 15 sampled rows each: minValues lowered so that they count.
    const cfg = { ...config, minValues: 10, multivariate: { ...config.multivariate, methods: ['pca_error' as const], maxRows: 150 } };
    // The per-feature passes once; the multivariate section alone three times.
    const scope = { db: s.store.database, model: 'wide', withLabels: false };
    const sides = [{ kind: 'window', fromMs: REF, toMs: REF + DAY }, { kind: 'window', fromMs: CUR, toMs: CUR + DAY }] as const;
    const collected = await collect(s.store, bothSides(sides[0], sides[1], scope), cfg);
    const mv = (c: typeof cfg) => multivariateReport(s.store, sides[0], sides[1], scope, collected, c);
    const a = (await mv(cfg))!;
    const b = (await mv(cfg))!;
    expect(a.sampled).toEqual({ max_rows: 150, seed: config.mmd.seed });
    const pa = a.results[0]!;
    expect(pa.status, pa.message ?? '').toBe('ok');
    expect(b.results[0]).toEqual(pa);
    // The current side's error is a mean over the sampled rows only: not the full data's value, but near it.
    const full = (await mv({ ...cfg, multivariate: { ...cfg.multivariate, maxRows: 0 } }))!;
    expect(full.sampled).toBeUndefined();
    expect(full.results[0]!.statistic).not.toBe(pa.statistic);
    expect(Math.abs(full.results[0]!.statistic! - pa.statistic!) / pa.statistic!).toBeLessThan(0.2);
  }, 600_000);

  it('picks the same MMD sample from the rows in the first part of the hash range as from sorting every row', async () => {
    const src = bothSides({ kind: 'window', fromMs: REF, toMs: REF + DAY }, { kind: 'window', fromMs: CUR, toMs: CUR + DAY }, { db: s.store.database, model: 'wide', withLabels: false });
    const vector = { sql: "[nf['x50'], nf['x51']]", params: {} };
    const sorted = await vectorSample(s.store, src, vector, 20, 7);
    const sqls: string[] = [];
    const query = s.store.query.bind(s.store);
    s.store.query = (async (sql: string, params?: never) => {
      sqls.push(sql);
      return query(sql, params);
    }) as typeof s.store.query;
    try {
      const cut = await vectorSample(s.store, src, vector, 20, 7, [N_REF, N_CUR]);
      expect(cut).toEqual(sorted);
      expect(cut.reference).toHaveLength(20);
      expect(cut.current).toHaveLength(20);
    } finally {
      s.store.query = query;
    }
    // One pick, on the cut rows only (no fallback to sorting every row), then the vectors.
    expect(sqls).toHaveLength(2);
    expect(sqls[0]).toContain('mv_cut0');
  }, 600_000);
});
