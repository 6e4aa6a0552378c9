import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { ClickHouseSignals, MemorySignals } from '../alerting/signals.js';
import { validateConfig } from '../app/config.js';
import { silentLogger } from '../core/log.js';
import { testStack } from '../test/helpers/stack.js';
import { createDriftGauges } from './schedule/gauges.js';
import { evaluateWindow } from './schedule/scheduler.js';
import type { DriftReport } from './report/types.js';
import { choices, DAY, day, normals, postAll, predictions } from './testing/data.js';
import { numpyReference } from './testing/python.js';

// Model `pair`: x1 and x2 are N(0,1) with correlation +0.9 in the reference and −0.9 in the current
// window, so each marginal is unchanged (every univariate test passes) while the joint moves.
// Model `emb`: an 8-dim embedding whose first three components shift by 0.5 in the current window.
let s: Awaited<ReturnType<typeof testStack>>;
const REF = day(3);
const CUR = day(4);
const N_REF = 1000;
const N_CUR = 600;

function pair(seed: number, n: number, rho: number) {
  const a = normals(seed, n);
  const e = normals(seed + 1, n);
  return {
    x1: a,
    x2: a.map((v, i) => 3 + 2 * (rho * v + Math.sqrt(1 - rho * rho) * e[i]!)),
    x3: normals(seed + 2, n, 10, 5),
    channel: choices(seed + 3, n, ['web', 'app', 'shop'], [5, 3, 2]),
  };
}
const ref = pair(100, N_REF, 0.9);
const cur = pair(200, N_CUR, -0.9);
const asRows = (c: ReturnType<typeof pair>) => c.x1.map((_, i) => [c.x1[i]!, c.x2[i]!, c.x3[i]!, ...['web', 'app', 'shop'].map((v) => (c.channel[i] === v ? 1 : 0))]);

const vectors = (seed: number, n: number, shift: number) => {
  const cols = Array.from({ length: 8 }, (_, j) => normals(seed + j, n, j < 3 ? shift : 0, 1));
  return Array.from({ length: n }, (_, i) => cols.map((c) => Math.fround(c[i]!)));
};

beforeAll(async () => {
  s = await testStack({});
  await postAll(s.post, '/v1/predictions', predictions('pair', 'r', REF, ref));
  await postAll(s.post, '/v1/predictions', predictions('pair', 'c', CUR, cur));
  const er = vectors(300, N_REF, 0);
  const ec = vectors(400, N_CUR, 0.5);
  const same = vectors(500, N_CUR, 0);
  await postAll(s.post, '/v1/predictions', predictions('emb', 'r', REF, { f: normals(1, N_REF) }, (i) => ({ embeddings: { text: er[i] } })));
  // One current vector of another dimension: counted apart, never mixed into the means.
  await postAll(s.post, '/v1/predictions', predictions('emb', 'c', CUR, { f: normals(2, N_CUR) }, (i) => ({ embeddings: { text: i === 0 ? [1, 2, 3] : ec[i] } })));
  await postAll(s.post, '/v1/predictions', predictions('emb', 's', CUR + DAY, { f: normals(3, N_CUR) }, (i) => ({ embeddings: { text: same[i] } })));
  expect(await s.drain()).toBe(true);
}, 120_000);
afterAll(async () => s?.stop());

const iso = (ms: number) => new Date(ms).toISOString();
async function report(model: string, from: number): Promise<DriftReport> {
  const res = await fetch(`${s.url}/v1/drift/report?model=${model}&from=${iso(from)}&to=${iso(from + DAY)}&reference_from=${iso(REF)}&reference_to=${iso(REF + DAY)}`);
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body as DriftReport;
}

describe('multivariate drift', () => {
  it('catches a flipped correlation that every univariate test passes', async () => {
    const r = await report('pair', CUR);
    for (const f of r.features.filter((x) => x.kind === 'feature')) expect(f.drifted, `${f.feature} ${JSON.stringify(f.results[0])}`).toBe(false);
    const mv = r.multivariate!;
    expect(mv.columns).toEqual(['x1', 'x2', 'x3', 'channel=web', 'channel=app', 'channel=shop']);
    const pca = mv.results.find((x) => x.method === 'pca_error')!;
    const mmd = mv.results.find((x) => x.method === 'mmd')!;
    expect(pca).toMatchObject({ status: 'ok', drifted: true });
    expect(pca.statistic!).toBeGreaterThan(pca.threshold!);
    expect(mmd).toMatchObject({ status: 'ok', drifted: true });
    expect(mmd.p_value!).toBeLessThan(0.05);
  }, 60_000);

  it('computes the PCA error in the engine as scikit-learn does on the same rows, to 1e-9 relative', async () => {
    const r = await report('pair', CUR);
    const pca = r.multivariate!.results.find((x) => x.method === 'pca_error')!;
    // The reference chunks are its time tenths: the rows are spread evenly, so chunk k is rows [100k, 100k+100).
    const chunks = Array.from({ length: 10 }, (_, k) => asRows(ref).slice(k * 100, k * 100 + 100));
    const py = await numpyReference<{ pca: { kept: number; errors: number[] } }>({ pca: { reference: asRows(ref), windows: [asRows(cur), ...chunks], share: 0.65 } });
    expect(pca.details.components).toBe(py.pca.kept);
    expect(Math.abs(pca.statistic! - py.pca.errors[0]!) / py.pca.errors[0]!).toBeLessThan(1e-9);
    (pca.details.chunk_errors as number[]).forEach((e, k) => expect(Math.abs(e - py.pca.errors[k + 1]!) / e).toBeLessThan(1e-9));
  }, 60_000);

  it('gives the same MMD and p-value on a second run (seeded sample and permutations)', async () => {
    const a = (await report('pair', CUR)).multivariate!.results.find((x) => x.method === 'mmd')!;
    const b = (await report('pair', CUR)).multivariate!.results.find((x) => x.method === 'mmd')!;
    expect(b).toEqual(a);
  }, 60_000);
});

describe('embedding drift', () => {
  it('stores embeddings and flags a shift of three components by mmd, distance and ratio, with the odd-dimension vector counted apart', async () => {
    const r = await report('emb', CUR);
    const e = r.embeddings!.find((x) => x.name === 'text')!;
    expect(e).toMatchObject({ feature: '@embedding:text', dimension: 8, reference: { rows: N_REF, other_dimension: 0 }, current: { rows: N_CUR - 1, other_dimension: 1 } });
    for (const m of ['mmd', 'distance', 'ratio'] as const) expect(e.results.find((x) => x.method === m), m).toMatchObject({ status: 'ok', drifted: true });
    expect(e.results.find((x) => x.method === 'ratio')!.details.components_drifted).toBe(3);
  }, 60_000);

  it('raises nothing when the embeddings come from the reference distribution', async () => {
    const r = await report('emb', CUR + DAY);
    const e = r.embeddings!.find((x) => x.name === 'text')!;
    for (const m of ['mmd', 'distance', 'ratio'] as const) expect(e.results.find((x) => x.method === m), m).toMatchObject({ status: 'ok', drifted: false });
  }, 60_000);

  it('refuses an embedding that is not an array of finite numbers, naming it', async () => {
    const res = await s.post('/v1/predictions', [{ model: 'emb', prediction_id: 'bad', timestamp: CUR, features: {}, prediction: 1, embeddings: { text: [1, 'x'] } }]);
    const body = JSON.stringify(await res.json());
    expect(body).toContain('embeddings');
    expect(body).toContain('finite');
  });
});

describe('scheduled multivariate and embedding results', () => {
  it('writes @multivariate and @embedding rows to drift_results, sets their gauges and hands them to alerting as signals', async () => {
    const config = validateConfig({ drift: { models: ['pair', 'emb'].map((model) => ({ model, reference: { type: 'window', from: REF, to: REF + DAY } })) } }).drift;
    const registry = new Registry();
    const signals = new MemorySignals();
    const deps = { store: s.store, config, logger: silentLogger, now: Date.now, gauges: createDriftGauges(registry), signals };
    for (const m of config.models) await evaluateWindow(deps, m, { fromMs: CUR, toMs: CUR + DAY });
    const rows = await s.sql(
      `SELECT model, feature, kind, method, value, p_value, threshold, drifted, status FROM drift_results FINAL
       WHERE window_end = fromUnixTimestamp64Milli({to:Int64}, 'UTC') AND (feature = '@multivariate' OR startsWith(feature, '@embedding:')) ORDER BY model, feature, method`,
      { to: CUR + DAY },
    );
    expect(rows.map((r: any) => `${r.model} ${r.feature} ${r.kind} ${r.method} ${r.drifted}`)).toEqual([
      'emb @embedding:text embedding distance 1',
      'emb @embedding:text embedding mmd 1',
      'emb @embedding:text embedding ratio 1',
      'emb @multivariate multivariate mmd null',
      'emb @multivariate multivariate pca_error null',
      'pair @multivariate multivariate mmd 1',
      'pair @multivariate multivariate pca_error 1',
    ]);
    const metrics = await registry.getMetricsAsJSON();
    const stat = metrics.find((m) => m.name === 'mlobs_drift_statistic')!.values;
    expect(stat.find((v) => v.labels.feature === '@multivariate' && v.labels.method === 'pca_error' && v.labels.model === 'pair')!.value).toBeGreaterThan(0);
    const detected = metrics.find((m) => m.name === 'mlobs_drift_detected')!.values;
    expect(detected.find((v) => v.labels.feature === '@embedding:text')!.value).toBe(1);
    const inProcess = await signals.recent(1, CUR + DAY);
    expect(inProcess.find((x) => x.model === 'pair' && x.feature === '@multivariate' && x.method === 'mmd')!.signals[0]).toMatchObject({ drifted: true, threshold: 0.05 });
    const stored = await new ClickHouseSignals(s.store).recent(1, CUR + DAY);
    expect(stored.find((x) => x.model === 'pair' && x.feature === '@multivariate' && x.method === 'pca_error')!.signals[0]).toMatchObject({ drifted: true });
  }, 120_000);
});
