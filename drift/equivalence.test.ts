/**
 * The in-database path gives the pure layer's numbers (drift/stats, itself proven against SciPy)
 * on the same data: reports are computed by ClickHouse through the HTTP API and compared with
 * drift/stats run on the very arrays that were ingested.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../test/helpers/stack.js';
import {
  chi2Categorical,
  countCategories,
  jsCategorical,
  jsNumeric,
  ks2Samp,
  populationStd,
  psiCategorical,
  psiNumeric,
  wasserstein1,
} from './stats/index.js';
import { driftReport } from './report/report.js';
import type { DriftReport, FeatureReport, MethodResult } from './report/types.js';
import { choices, day, normals, postAll, predictions } from './testing/data.js';

let s: Awaited<ReturnType<typeof testStack>>;
const REF = day(1);
const CUR = day(2);
const ALL = 'ks,wasserstein,psi,js,chi2';

// Sizes differ on purpose (exact KS p-value path for n != m) and one sample is above SciPy's
// exact/asymptotic switch (10000) in the large model.
const small = {
  ref: { cont: normals(1, 3000), ties: normals(2, 3000, 0, 1, 1), ints: choices(3, 3000, [0, 1, 2, 3]), cat: choices(4, 3000, ['a', 'b', 'c'], [5, 3, 2]) },
  cur: { cont: normals(5, 2500, 0.15, 1.1), ties: normals(6, 2500, 0.1, 1, 1), ints: choices(7, 2500, [0, 1, 2, 3], [1, 1, 1, 2]), cat: choices(8, 2500, ['a', 'b', 'c', 'z'], [4, 3, 2, 1]) },
};
const large = { ref: { cont: normals(9, 12000, 0, 2) }, cur: { cont: normals(10, 11000, 0.05, 2) } };

beforeAll(async () => {
  s = await testStack({ drift: { minValues: 1 } });
  await postAll(s.post, '/v1/predictions', predictions('eq-small', 'r', REF, small.ref));
  await postAll(s.post, '/v1/predictions', predictions('eq-small', 'c', CUR, small.cur));
  await postAll(s.post, '/v1/predictions', predictions('eq-large', 'r', REF, large.ref));
  await postAll(s.post, '/v1/predictions', predictions('eq-large', 'c', CUR, large.cur));
  // A redelivered batch must not count twice.
  await postAll(s.post, '/v1/predictions', predictions('eq-small', 'c', CUR, small.cur).slice(0, 500));
  expect(await s.drain()).toBe(true);
}, 180_000);
afterAll(async () => s?.stop());

const window = (model: string, extra = '') =>
  `/v1/drift/report?model=${model}&from=${CUR}&to=${CUR + 86_400_000}&reference_from=${new Date(REF).toISOString()}&reference_to=${new Date(REF + 86_400_000).toISOString()}${extra}`;

async function report(model: string, extra = `&methods=${ALL}`): Promise<DriftReport> {
  const res = await fetch(s.url + window(model, extra));
  expect(res.status).toBe(200);
  return (await res.json()) as DriftReport;
}

const feature = (r: DriftReport, name: string): FeatureReport => r.features.find((f) => f.feature === name)!;
const result = (f: FeatureReport, m: string): MethodResult => f.results.find((x) => x.method === m)!;
const unwrap = <T extends { ok: boolean }>(r: T) => {
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r as Extract<T, { ok: true }>;
};
const close = (a: number | null, b: number, tol: number) => expect(Math.abs((a ?? NaN) - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));

describe('numerical features computed in ClickHouse', () => {
  let r: DriftReport;
  beforeAll(async () => {
    r = await report('eq-small');
  });

  it.each(['cont', 'ties'])('give the KS statistic and p-value of ks2Samp on the same arrays (%s)', (name) => {
    const want = unwrap(ks2Samp(small.ref[name as 'cont'], small.cur[name as 'cont']));
    const got = result(feature(r, name), 'ks');
    close(got.statistic, want.statistic, 1e-9);
    close(got.p_value, want.pvalue, 1e-9);
    expect(got.details.p_value_method).toBe('exact');
  });

  it.each(['cont', 'ties'])('give the exact Wasserstein distance of wasserstein1, normed by the population std (%s)', (name) => {
    const ref = small.ref[name as 'cont'];
    const w = unwrap(wasserstein1(ref, small.cur[name as 'cont'])).value;
    const sd = unwrap(populationStd(ref)).value;
    const got = result(feature(r, name), 'wasserstein');
    expect(got.details.exact).toBe(true);
    close(got.details.distance as number, w, 1e-9);
    close(got.details.reference_std as number, sd, 1e-9);
    close(got.statistic, w / sd, 1e-9);
  });

  it.each(['cont', 'ties'])('give the bin edges, bin counts, PSI and JS of the pure layer (%s)', (name) => {
    const ref = small.ref[name as 'cont'];
    const cur = small.cur[name as 'cont'];
    const psi = unwrap(psiNumeric(ref, cur));
    const js = unwrap(jsNumeric(ref, cur));
    const got = result(feature(r, name), 'psi');
    expect(got.details.reference_counts).toEqual(psi.referenceCounts);
    expect(got.details.current_counts).toEqual(psi.currentCounts);
    (got.details.edges as number[]).forEach((e, i) => close(e, psi.edges[i]!, 1e-12));
    close(got.statistic, psi.value, 1e-12);
    close(result(feature(r, name), 'js').statistic, js.value, 1e-12);
  });

  it('test a numerical feature with at most 5 distinct values as categories (chi-square on its values)', () => {
    const f = feature(r, 'ints');
    const want = unwrap(chi2Categorical(countCategories(small.ref.ints.map(String)), countCategories(small.cur.ints.map(String))));
    close(result(f, 'chi2').statistic, want.statistic, 1e-12);
    close(result(f, 'chi2').p_value, want.pvalue, 1e-10);
  });

  it('count a redelivered duplicate once', () => {
    expect(feature(r, 'cont').current.values).toBe(2500);
    expect(r.window.rows).toBe(2500);
  });

  it('use the asymptotic KS p-value above 10000 values, as SciPy, and still the exact statistic', async () => {
    const big = await report('eq-large', '&methods=ks,wasserstein');
    const want = unwrap(ks2Samp(large.ref.cont, large.cur.cont));
    const got = result(feature(big, 'cont'), 'ks');
    close(got.statistic, want.statistic, 1e-9);
    close(got.p_value, want.pvalue, 1e-9);
    expect(got.details.p_value_method).toBe('asymp');
  });

  const gridReport = async (drift: object) => {
    const config = { ...(await import('../app/config.js')).validateConfig({}).drift, exactBelowValues: 0, wassersteinCells: 256, ...drift };
    return driftReport({ store: s.store, config }, { model: 'eq-large', fromMs: CUR, toMs: CUR + 86_400_000, reference: { type: 'window', from: REF, to: REF + 86_400_000 }, methods: ['ks', 'wasserstein'] });
  };

  it.each([
    ['refining the candidate cells', {}],
    ['with kolmogorovSmirnovTest when there are too many candidates', { ksRefineMaxCells: 0 }],
    ['without copying the values into memory', { materializeMaxValues: 0 }],
  ])('give the exact KS statistic on a coarse grid, %s', async (_how, drift) => {
    const got = result(feature(await gridReport(drift), 'cont'), 'ks');
    close(got.statistic, unwrap(ks2Samp(large.ref.cont, large.cur.cont)).statistic, 1e-9);
  });

  it('bound the grid Wasserstein distance rigorously and within 2·range/cells of the exact one', async () => {
    const big = await gridReport({});
    const exact = unwrap(wasserstein1(large.ref.cont, large.cur.cont)).value;
    const d = result(feature(big, 'cont'), 'wasserstein').details as Record<string, number>;
    expect(d.exact).toBe(false);
    expect(d.distance_lower).toBeLessThanOrEqual(exact + 1e-12);
    expect(d.distance_upper).toBeGreaterThanOrEqual(exact - 1e-12);
    const all = [...large.ref.cont, ...large.cur.cont];
    const range = Math.max(...all) - Math.min(...all);
    expect(d.distance_upper - d.distance_lower).toBeLessThanOrEqual((2 * range) / 256);
    expect(Math.abs(d.distance - exact)).toBeLessThanOrEqual(d.distance_upper - d.distance_lower);
  });
});

describe('categorical features computed in ClickHouse', () => {
  it('give chi-square, PSI and JS of the pure layer, with categories unseen in the reference listed', async () => {
    const r = await report('eq-small');
    const f = feature(r, 'cat');
    const ref = countCategories(small.ref.cat);
    const cur = countCategories(small.cur.cat);
    const chi = unwrap(chi2Categorical(ref, cur));
    close(result(f, 'chi2').statistic, chi.statistic, 1e-12);
    close(result(f, 'chi2').p_value, chi.pvalue, 1e-10);
    close(result(f, 'psi').statistic, unwrap(psiCategorical(ref, cur)).value, 1e-12);
    close(result(f, 'js').statistic, unwrap(jsCategorical(ref, cur)).value, 1e-12);
    expect(f.unseen_categories).toEqual(['z']);
    expect(result(f, 'ks')).toMatchObject({ status: 'not_applicable', statistic: null });
  });
});
