import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../test/helpers/stack.js';
import { validateConfig } from '../app/config.js';
import { countCategories, psiCategorical } from './stats/index.js';
import { driftReport } from './report/report.js';
import type { DriftReport, FeatureReport } from './report/types.js';
import { choices, DAY, day, normals, postAll, predictions } from './testing/data.js';

let s: Awaited<ReturnType<typeof testStack>>;
const REF = day(3);
const CUR = day(4);
const N_REF = 800;
const N_CUR = 600;

// Reference and current window of model `shop`: `amount` moves only in DE, `note` gets many more
// nulls but the same values, `kind` turns from numbers into strings, `legacy` disappears.
const country = (seed: number, n: number) => choices(seed, n, ['DE', 'FR', 'US'], [4, 3, 3]);
const refCountry = country(11, N_REF);
const curCountry = country(12, N_CUR);
const ref = {
  amount: normals(13, N_REF, 50, 10),
  channel: choices(14, N_REF, ['web', 'app'], [7, 3]),
  note: normals(15, N_REF).map((x, i) => (i % 50 === 0 ? null : x)),
  kind: choices(16, N_REF, [1, 2, 3, 4, 5, 6, 7]),
  legacy: normals(17, N_REF),
};
const curAmount = normals(18, N_CUR, 50, 10);
const cur = {
  amount: curAmount.map((x, i) => (curCountry[i] === 'DE' ? x + 25 : x)),
  channel: choices(19, N_CUR, ['web', 'app'], [7, 3]),
  note: normals(20, N_CUR).map((x, i) => (i % 3 === 0 ? null : x)),
  kind: choices(21, N_CUR, ['a', 'b']),
};
const extra = (countries: string[], seed: number) => {
  const scores = normals(seed, countries.length, 0.5, 0.2);
  return (i: number) => ({ segments: { country: countries[i] }, score: scores[i], prediction: scores[i]! > 0.5 ? 'fraud' : 'legit' });
};

beforeAll(async () => {
  s = await testStack({ drift: { models: [{ model: 'shop', features: { amount: { weight: 3 } } }] } });
  await postAll(s.post, '/v1/predictions', predictions('shop', 'r', REF, ref, extra(refCountry, 22)));
  await postAll(s.post, '/v1/predictions', predictions('shop', 'c', CUR, cur, extra(curCountry, 23)));
  expect(await s.drain()).toBe(true);
}, 120_000);
afterAll(async () => s?.stop());

const iso = (ms: number) => new Date(ms).toISOString();
const refParams = `&reference_from=${iso(REF)}&reference_to=${iso(REF + DAY)}`;
async function get(query: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.url}/v1/drift/report?${query}`);
  return { status: res.status, body: await res.json() };
}
async function report(extra = ''): Promise<DriftReport> {
  const r = await get(`model=shop&from=${CUR}&to=${CUR + DAY}${refParams}${extra}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as DriftReport;
}
const unwrap = <T extends { ok: boolean }>(r: T) => {
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r as Extract<T, { ok: true }>;
};
const feature = (r: DriftReport, name: string): FeatureReport => {
  const f = r.features.find((x) => x.feature === name);
  if (!f) throw new Error(`no feature ${name} in ${r.features.map((x) => x.feature).join(', ')}`);
  return f;
};

describe('GET /v1/drift/report', () => {
  it('reports every feature, the prediction and the score with method, statistic, threshold, verdict, row counts and missing shares', async () => {
    const r = await report();
    expect(r.window.rows).toBe(N_CUR);
    expect(r.reference).toMatchObject({ type: 'window', rows: N_REF });
    expect(r.features.map((f) => f.feature).sort()).toEqual(['@prediction', '@score', 'amount', 'channel', 'kind', 'legacy', 'note']);
    const amount = feature(r, 'amount');
    expect(amount).toMatchObject({ kind: 'feature', type: 'numerical', status: 'ok', drifted: true, decided_by: 'ks', weight: 3 });
    expect(amount.reference).toMatchObject({ rows: N_REF, values: N_REF, missing: 0, missing_share: 0 });
    expect(amount.results[0]).toMatchObject({ method: 'ks', status: 'ok', threshold: 0.05, threshold_source: 'fixed', drifted: true });
    expect(amount.results[0]!.p_value).toBeLessThan(1e-6);
    expect(feature(r, 'channel')).toMatchObject({ type: 'categorical', drifted: false, decided_by: 'chi2' });
    expect(feature(r, '@score')).toMatchObject({ kind: 'score', type: 'numerical' });
    expect(feature(r, '@prediction')).toMatchObject({ kind: 'prediction', type: 'categorical' });
    // Input features only: amount (weight 3), note (missingness), kind (type), legacy (missing) drifted; channel did not.
    expect(r.dataset).toMatchObject({ features_evaluated: 5, features_drifted: 4, drifted: true, share_threshold: 0.5, correction: 'none' });
    expect(r.dataset.drifted_share).toBeCloseTo(6 / 7, 12);
  });

  it('computes the methods asked for instead of, or beside, the default choice', async () => {
    const only = await report('&methods=psi,js');
    expect(feature(only, 'amount').results.map((x) => x.method)).toEqual(['psi', 'js']);
    expect(feature(only, 'amount').decided_by).toBe('psi');
    const beside = await report('&methods=auto,wasserstein');
    expect(feature(beside, 'amount').results.map((x) => x.method)).toEqual(['ks', 'wasserstein']);
    expect(feature(beside, 'channel').results.map((x) => [x.method, x.status])).toEqual([['chi2', 'ok'], ['wasserstein', 'not_applicable']]);
  });

  it('flags a jump in missing values as drift even when the values did not move', async () => {
    const note = feature(await report(), 'note');
    expect(note.results[0]).toMatchObject({ method: 'ks', drifted: false });
    expect(note.missing).toMatchObject({ reference_share: 16 / N_REF, current_share: 200 / N_CUR, drifted: true, threshold: 0.05 });
    expect(note).toMatchObject({ drifted: true, decided_by: 'missing' });
  });

  it('marks a feature whose type changed, with the counts of both sides', async () => {
    const kind = feature(await report(), 'kind');
    expect(kind).toMatchObject({ status: 'type_changed', drifted: true, decided_by: 'type', results: [] });
    expect(kind.message).toBe(`type changed: numerical in the reference (${N_REF} numerical and 0 categorical values), categorical in the current window (0 numerical and ${N_CUR} categorical values)`);
  });

  it('marks a feature missing on one side, with counts', async () => {
    const legacy = feature(await report(), 'legacy');
    expect(legacy).toMatchObject({ status: 'missing_in_current', drifted: true, decided_by: 'missing', message: `no values in the current window (${N_CUR} rows); ${N_REF} in the reference` });
    expect(legacy.current).toMatchObject({ values: 0, missing: N_CUR, missing_share: 1 });
  });

  it('marks "insufficient data" with counts when the window holds fewer values than a method needs', async () => {
    // The first 10 current predictions fall into the first minute of the hour.
    const r = await get(`model=shop&from=${CUR}&to=${CUR + 60_000}${refParams}`);
    expect(r.status).toBe(200);
    const amount = feature(r.body, 'amount');
    expect(amount).toMatchObject({ status: 'insufficient_data', drifted: null });
    expect(amount.message).toBe('ks needs at least 30 values on each side; the reference has 800, the current window 10');
    expect(r.body.dataset.features_skipped).toContain('amount');
  });

  it('reports an empty window with a problem instead of failing, and no statistic', async () => {
    const r = await get(`model=shop&from=${CUR + DAY}&to=${CUR + 2 * DAY}${refParams}`);
    expect(r.status).toBe(200);
    expect(r.body.window.rows).toBe(0);
    expect(r.body.problems[0]).toMatch(/holds no predictions of model shop/);
    for (const f of r.body.features as FeatureReport[]) {
      expect(f.status).toBe('missing_in_current');
      expect(f.results).toEqual([]);
    }
    expect(JSON.stringify(r.body)).not.toMatch(/NaN|Infinity/);
  });

  it('answers 404 naming an unknown model', async () => {
    const r = await get(`model=nope&from=${CUR}&to=${CUR + DAY}${refParams}`);
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: 'unknown model "nope": no predictions and no reference are stored for it', reason: 'unknown_model' });
  });

  it.each([
    ['model=shop&to=1', 'parameter from is required'],
    [`model=shop&from=yesterday&to=${CUR}`, 'parameter from: not a time: "yesterday"'],
    [`model=shop&from=now-1y${refParams}`, 'parameter from: not a time: "now-1y" (the offset needs a unit'],
    [`model=shop&from=now&to=now-1h${refParams}`, 'parameter from must be before to'],
    [`model=shop&from=${CUR}&to=${CUR + DAY}&methods=ks,magic`, 'unknown method "magic"'],
    [`model=shop&from=${CUR}&to=${CUR + DAY}&reference_from=${REF}`, 'reference_from and reference_to go together'],
    [`model=shop&from=${CUR}&to=${CUR + DAY}&reference=rolling:soon`, 'reference=rolling:<duration> needs a positive duration'],
    [`model=shop&from=${CUR}&to=${CUR}`, 'from must be before to'],
  ])('answers 400 for %s', async (query, message) => {
    const r = await get(query);
    expect(r.status).toBe(400);
    expect(r.body.error).toContain(message);
  });

  it('reads from and to in the shared time syntax, as /v1/cost does, with to defaulting to now', async () => {
    const before = Date.now();
    const relative = await get(`model=shop&from=now-1h&to=now${refParams}`);
    expect(relative.status, JSON.stringify(relative.body)).toBe(200);
    const open = await get(`model=shop&from=now-7d${refParams}`);
    expect(open.status, JSON.stringify(open.body)).toBe(200);
    expect(Date.parse(open.body.window.to)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(open.body.window.to) - Date.parse(open.body.window.from)).toBe(7 * DAY);
    // The current day-4 window counted through relative times equals the same window by instants.
    expect(open.body.window.rows).toBeGreaterThanOrEqual(N_CUR);
  });

  it('answers 409 when no reference is given, declared, configured or uploaded', async () => {
    const r = await get(`model=shop&from=${CUR}&to=${CUR + DAY}`);
    expect(r.status).toBe(409);
    expect(r.body.reason).toBe('no_reference');
  });

  it('compares with the same window shifted back (rolling reference)', async () => {
    const r = await get(`model=shop&from=${CUR}&to=${CUR + DAY}&reference=rolling:1d`);
    expect(r.status).toBe(200);
    expect(r.body.reference).toEqual({ type: 'rolling', from: iso(REF), to: iso(REF + DAY), offset_ms: DAY, rows: N_REF });
  });

  it('shows drift that hits only one segment', async () => {
    const r = await report('&segment=country');
    expect(r.segments!.name).toBe('country');
    const by = Object.fromEntries(r.segments!.values.map((x) => [x.segment!.value, x]));
    expect(Object.keys(by).sort()).toEqual(['DE', 'FR', 'US']);
    expect(feature(by.DE!, 'amount').drifted).toBe(true);
    expect(feature(by.FR!, 'amount').drifted).toBe(false);
    expect(feature(by.US!, 'amount').drifted).toBe(false);
    expect(by.DE!.window.rows).toBe(curCountry.filter((c) => c === 'DE').length);
    expect(by.DE!.reference.rows).toBe(refCountry.filter((c) => c === 'DE').length);
  });
});

describe('references', () => {
  const rows = (n: number, seed: number) => normals(seed, n, 50, 10).map((amount, i) => ({ amount, channel: i % 3 ? 'web' : 'app' }));
  const upload = (body: string, query = '') => fetch(`${s.url}/v1/models/shop/reference${query}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
  const ndjson = (xs: object[]) => xs.map((x) => JSON.stringify(x)).join('\n');

  it('rejects an upload with an invalid row as a whole and lists the row', async () => {
    const res = await upload(ndjson([{ amount: 1 }, { amount: 'x'.repeat(5000) }, { 'bad name!': 1 }]));
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.error).toBe('2 of 3 rows are invalid; nothing was stored (first 2 listed)');
    expect(body.rejected.map((r: any) => r.index)).toEqual([1, 2]);
  });

  it('stores a training set uploaded in chunks once, even when a chunk is resent, and uses it for reports', async () => {
    const all = rows(1200, 30);
    const first = (await (await upload(ndjson(all.slice(0, 500)), '?complete=false&offset=0')).json()) as any;
    expect(first).toMatchObject({ rows: 500, complete: false });
    const q = `?version=${first.version}&complete=false&offset=500`;
    await upload(ndjson(all.slice(500, 1000)), q);
    await upload(ndjson(all.slice(500, 1000)), q); // a retry after a lost answer
    const last = (await (await upload(ndjson(all.slice(1000)), `?version=${first.version}&offset=1000`)).json()) as any;
    expect(last).toMatchObject({ version: first.version, rows: 1200, complete: true });
    const r = await get(`model=shop&from=${CUR}&to=${CUR + DAY}`);
    expect(r.status).toBe(200);
    expect(r.body.reference).toEqual({ type: 'upload', version: first.version, rows: 1200 });
    // Flat rows carry features only: the prediction and score are missing on the reference side.
    expect(feature(r.body, 'amount').reference.values).toBe(1200);
    expect(feature(r.body, 'amount').results[0].method).toBe('wasserstein');
    expect(feature(r.body, '@score').status).toBe('missing_in_reference');
  });

  it('uses a declared window over an upload, and says which reference a model has', async () => {
    const put = await fetch(`${s.url}/v1/models/shop/reference`, { method: 'PUT', body: JSON.stringify({ type: 'window', from: iso(REF), to: iso(REF + DAY) }) });
    expect(put.status).toBe(200);
    const r = await get(`model=shop&from=${CUR}&to=${CUR + DAY}`);
    expect(r.body.reference).toMatchObject({ type: 'window', from: iso(REF), rows: N_REF });
    const info = (await (await fetch(`${s.url}/v1/models/shop/reference`)).json()) as any;
    expect(info.declared).toEqual({ type: 'window', from: REF, to: REF + DAY });
    expect(info.upload).toMatchObject({ rows: 1200, complete: true });
  });
});

describe('data-set verdict options', () => {
  const run = async (drift: object, methods?: ('psi' | 'ks' | 'auto')[]) =>
    driftReport({ store: s.store, config: validateConfig({ drift }).drift }, { model: 'shop', fromMs: CUR, toMs: CUR + DAY, reference: { type: 'window', from: REF, to: REF + DAY }, methods });

  it('uses a method and threshold overridden for one feature, the default rule for the others', async () => {
    const r = await run({ models: [{ model: 'shop', features: { channel: { method: 'psi', threshold: 0.2 } } }] });
    expect(feature(r, 'channel').results.map((x) => [x.method, x.threshold])).toEqual([['psi', 0.2]]);
    expect(feature(r, 'amount').results[0]!.method).toBe('ks');
  });

  it('adjusts the deciding p-values with Benjamini–Hochberg when configured', async () => {
    const r = await run({ dataset: { correction: 'bh' } });
    for (const f of r.features.filter((x) => x.kind === 'feature' && x.status === 'ok')) {
      const d = f.results[0]!;
      expect(d.p_adjusted).toBeGreaterThanOrEqual(d.p_value!);
      expect(d.drifted).toBe(d.p_adjusted! < d.threshold!);
    }
  });

  it('adjusts the deciding p-values with Bonferroni and decides on the adjusted ones', async () => {
    const r = await run({ dataset: { correction: 'bonferroni' } });
    const amount = feature(r, 'amount').results[0]!;
    const pvalued = r.features.filter((f) => f.kind === 'feature' && f.status === 'ok');
    expect(amount.p_adjusted).toBeCloseTo(Math.min(1, amount.p_value! * pvalued.length), 12);
    expect(r.dataset.correction).toBe('bonferroni');
  });

  it('learns a threshold from 8 contiguous reference chunks as mean + 3 sigma of the chunk-vs-reference statistics', async () => {
    const r = await run({ thresholds: { psi: 'learned', wasserstein: 'learned' }, minValues: 20, learned: { chunks: 8 } }, ['psi', 'wasserstein' as 'psi']);
    const stats = Array.from({ length: 8 }, (_, k) => unwrap(psiCategorical(countCategories(ref.channel), countCategories(ref.channel.slice(k * 100, k * 100 + 100)))).value);
    const mean = stats.reduce((a, b) => a + b, 0) / 8;
    const sd = Math.sqrt(stats.reduce((a, b) => a + (b - mean) ** 2, 0) / 8);
    const psi = feature(r, 'channel').results[0]!;
    expect(psi).toMatchObject({ threshold_source: 'learned', drifted: false });
    expect(psi.threshold).toBeCloseTo(mean + 3 * sd, 12);
    const amount = feature(r, 'amount');
    expect(amount.results.map((x) => [x.method, x.threshold_source, x.drifted])).toEqual([['psi', 'learned', true], ['wasserstein', 'learned', true]]);
    expect(amount.results[1]!.threshold).toBeGreaterThan(0);
  });
});
