import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../test/helpers/stack.js';
import { DRIFT_MIGRATIONS } from './migrations.js';
import type { DriftReport } from './report/types.js';
import { DAY, day, normals, postAll, predictions } from './testing/data.js';
import { numpyReference } from './testing/python.js';

// Model `lat`: a 6-dim embedding on the lattice k/4 in [-3, 3] (exact in Float32), whose first two
// components shift by 0.5 in the current window. With 25 cells over [-3, 3.25] every lattice point
// has a cell of its own, so the grid KS statistic is the exact one and must equal SciPy's.
let s: Awaited<ReturnType<typeof testStack>>;
const REF = day(3);
const CUR = day(4);
const N_REF = 3000;
const N_CUR = 2000;
const SAMPLE = 1500; // above 1,000 a side, so the report uses the asymptotic p-value, as the SciPy call here
const DIM = 6;

const lattice = (v: number) => Math.min(3, Math.max(-3, Math.round(v * 4) / 4));
const vectors = (seed: number, n: number, shift: number) => {
  const cols = Array.from({ length: DIM }, (_, j) => normals(seed + j, n, j < 2 ? shift : 0, 1));
  return Array.from({ length: n }, (_, i) => cols.map((c) => lattice(c[i]!)));
};
const ref = vectors(700, N_REF, 0);
const cur = vectors(800, N_CUR, 0.5);
// The pooled range [-3, 3.25]: 25 cells of 0.25.
ref[0] = Array(DIM).fill(-3);
ref[1] = Array(DIM).fill(3.25);

// Model `seg`: over the current window, version v1 in region us (reference-like vectors) and v2 in
// region eu (first two components shifted by 1); the reference window holds v1/us only.
const N_SEG = 400;
const segRef = vectors(1000, N_SEG, 0);
const segUs = vectors(1100, N_SEG, 0);
const segEu = vectors(1200, N_SEG, 1);

beforeAll(async () => {
  s = await testStack({ drift: { embeddings: { methods: ['distance', 'ratio'], cells: 25, ratio: { sampleSize: SAMPLE, seed: 7 } } } });
  await postAll(s.post, '/v1/predictions', predictions('lat', 'r', REF, { f: normals(1, N_REF) }, (i) => ({ embeddings: { text: ref[i] } })));
  await postAll(s.post, '/v1/predictions', predictions('lat', 'c', CUR, { f: normals(2, N_CUR) }, (i) => ({ embeddings: { text: cur[i] } })));
  const seg = (prefix: string, start: number, v: number[][], version: string, region: string) =>
    predictions('seg', prefix, start, { f: normals(5, N_SEG) }, (i) => ({ model_version: version, segments: { region }, embeddings: { text: v[i] } }));
  await postAll(s.post, '/v1/predictions', [...seg('r', REF, segRef, 'v1', 'us'), ...seg('u', CUR, segUs, 'v1', 'us'), ...seg('e', CUR, segEu, 'v2', 'eu')]);
  await s.drain();
}, 120_000);
afterAll(async () => s?.stop());

const iso = (ms: number) => new Date(ms).toISOString();
async function report(model: string, query: string): Promise<DriftReport> {
  const res = await fetch(`${s.url}/v1/drift/report?model=${model}&from=${iso(CUR)}&to=${iso(CUR + DAY)}&${query}`);
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body as DriftReport;
}
const windowRef = `reference_from=${iso(REF)}&reference_to=${iso(REF + DAY)}`;

/** The rows the KS sample keeps, by the rule the engine documents: cityHash64(rid, seed) / 2^64 < sample / side rows. */
async function sampled(prefix: string, n: number): Promise<number[][]> {
  const rows = await s.sql<{ id: string; v: number[] }>(
    `SELECT prediction_id AS id, vector AS v FROM prediction_embeddings FINAL
     WHERE model = 'lat' AND startsWith(prediction_id, {p:String}) AND cityHash64(cityHash64(prediction_id), 7) / 18446744073709551616. < {share:Float64}`,
    { p: `${prefix}-`, share: SAMPLE / n },
  );
  return rows.map((r) => r.v.map(Number));
}

describe('embedding drift from the one-vector-a-row tables', () => {
  it('runs ratio on a seeded sample, says so, and agrees with SciPy ks_2samp on the same sample', async () => {
    const e = (await report('lat', windowRef)).embeddings!.find((x) => x.name === 'text')!;
    expect(e).toMatchObject({ dimension: DIM, reference: { rows: N_REF }, current: { rows: N_CUR } });
    const ratio = e.results.find((x) => x.method === 'ratio')!;
    const d = ratio.details as { sample_reference: number; sample_current: number; sample_size: number; statistics: number[]; p_values: number[]; components_drifted: number };
    const [x, y] = [await sampled('r', N_REF), await sampled('c', N_CUR)];
    // The sample is smaller than either side, about SAMPLE vectors, and the report gives its sizes.
    expect(d.sample_size).toBe(SAMPLE);
    expect(d.sample_reference).toBe(x.length);
    expect(d.sample_current).toBe(y.length);
    expect(x.length).toBeGreaterThan(0.8 * SAMPLE);
    expect(x.length).toBeLessThan(1.2 * SAMPLE);
    expect(y.length).toBeLessThan(N_CUR);
    const py = await numpyReference<{ ks: { statistics: number[]; p_values: number[] } }>({ ks: { x, y } });
    d.statistics.forEach((v, j) => expect(Math.abs(v - py.ks.statistics[j]!), `D of component ${j}`).toBeLessThan(1e-12));
    d.p_values.forEach((p, j) => expect(Math.abs(p - py.ks.p_values[j]!), `p of component ${j}`).toBeLessThan(1e-9));
    expect(ratio).toMatchObject({ status: 'ok', statistic: 2 / DIM, drifted: true });
    expect(d.components_drifted).toBe(2);
  }, 60_000);

  it('computes the distance between the mean vectors of every vector (not the sample) as NumPy does', async () => {
    const e = (await report('lat', windowRef)).embeddings!.find((x) => x.name === 'text')!;
    const dist = e.results.find((x) => x.method === 'distance')!;
    const py = await numpyReference<{ means: { euclidean: number } }>({ means: { x: ref, y: cur } });
    expect(Math.abs(dist.statistic! - py.means.euclidean) / py.means.euclidean).toBeLessThan(1e-9);
    expect(dist.drifted).toBe(true);
  }, 60_000);

  it('restricts both sides to a model version and to a segment value, as the per-feature passes do', async () => {
    const text = (r: DriftReport) => r.embeddings!.find((x) => x.name === 'text')!;
    const distance = (r: DriftReport) => text(r).results.find((x) => x.method === 'distance')!;
    // Canary v2 against v1 over the same window: only the versions' own vectors on each side.
    const byVersion = await report('seg', 'version=v2&reference_version=v1');
    expect(text(byVersion)).toMatchObject({ reference: { rows: N_SEG }, current: { rows: N_SEG } });
    expect(distance(byVersion)).toMatchObject({ status: 'ok', drifted: true });
    // Region us only: the shifted eu vectors are left out of the current side.
    const us = await report('seg', `${windowRef}&segment=region&segment_value=us`);
    expect(us.segment).toEqual({ name: 'region', value: 'us' });
    expect(text(us)).toMatchObject({ reference: { rows: N_SEG }, current: { rows: N_SEG } });
    expect(distance(us)).toMatchObject({ status: 'ok', drifted: false });
    const eu = await report('seg', `${windowRef}&segment=region&segment_value=eu`);
    expect(text(eu)).toMatchObject({ reference: { rows: 0 }, current: { rows: N_SEG } });
  }, 60_000);

  it('reads embeddings stored before the tables existed: the migration back-fills them, a re-run counts nothing twice, a new upload replaces the old vectors', async () => {
    const m = DRIFT_MIGRATIONS.find((x) => x.id === 240)!;
    const db = s.store.database;
    // As before migration 240: no views, so new vectors land only in the map columns.
    await s.store.command(`DROP VIEW IF EXISTS ${db}.prediction_embeddings_mv`);
    await s.store.command(`DROP VIEW IF EXISTS ${db}.drift_reference_embeddings_mv`);
    const old = vectors(900, 400, 0);
    const oldCur = vectors(950, 300, 1);
    await postAll(s.post, '/v1/predictions', predictions('old', 'c', CUR, { f: normals(3, 300) }, (i) => ({ embeddings: { text: oldCur[i] } })));
    await s.drain();
    const up = await s.post('/v1/models/old/reference', old.map((v, i) => ({ features: { f: i }, embeddings: { text: v } })));
    expect(up.status, await up.text()).toBe(201);
    const count = async (table: string) => Number((await s.sql<{ n: string }>(`SELECT count() AS n FROM ${table} FINAL WHERE model = 'old'`))[0]!.n);
    expect(await count('prediction_embeddings')).toBe(0);
    expect(await count('drift_reference_embeddings')).toBe(0);

    for (const sql of m.statements(db, { predictions: 90 } as never)) await s.store.command(sql);
    const e = (await report('old', 'reference=upload')).embeddings!.find((x) => x.name === 'text')!;
    expect(e).toMatchObject({ dimension: DIM, reference: { rows: 400 }, current: { rows: 300 } });
    expect(e.results.find((x) => x.method === 'distance')).toMatchObject({ status: 'ok', drifted: true });
    // The re-run inserted `lat`'s vectors a second time; FINAL folds them away.
    const lat = (await report('lat', windowRef)).embeddings!.find((x) => x.name === 'text')!;
    expect(lat).toMatchObject({ reference: { rows: N_REF }, current: { rows: N_CUR } });
    // And the views are back: a vector stored now reaches the table.
    await postAll(s.post, '/v1/predictions', predictions('old', 'n', CUR, { f: [1] }, () => ({ embeddings: { text: Array(DIM).fill(0.5) } })));
    await s.drain();
    expect(await count('prediction_embeddings')).toBe(301);
    // A newer complete upload leaves only its own vectors.
    const next = await s.post('/v1/models/old/reference', old.slice(0, 50).map((v, i) => ({ features: { f: i }, embeddings: { text: v } })));
    expect(next.status, await next.text()).toBe(201);
    expect(await count('drift_reference_embeddings')).toBe(50);
  }, 120_000);
});
