// Version comparisons: a canary model_version against the current one over the same window, or a stored window of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../../test/helpers/stack.js';
import { DAY, day, normals, postAll, predictions } from '../testing/data.js';
import type { DriftReport } from './types.js';
import { timeBounds } from './learned.js';

let s: Awaited<ReturnType<typeof testStack>>;
const PREV = day(2);
const CUR = day(3);
const v = (version: string) => () => ({ model_version: version });

beforeAll(async () => {
  s = await testStack();
  // Same window, two versions: v3 as before, the canary v4 sees larger amounts. The day before: v3 only.
  await postAll(s.post, '/v1/predictions', predictions('canary', 'p3', PREV, { amount: normals(1, 1200, 50, 10) }, v('v3')));
  await postAll(s.post, '/v1/predictions', predictions('canary', 'c3', CUR, { amount: normals(2, 1500, 50, 10) }, v('v3')));
  await postAll(s.post, '/v1/predictions', predictions('canary', 'c4', CUR, { amount: normals(3, 500, 58, 10) }, v('v4')));
  expect(await s.drain()).toBe(true);
}, 120_000);
afterAll(async () => s?.stop());

async function report(extra: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.url}/v1/drift/report?model=canary&from=${CUR}&to=${CUR + DAY}${extra}`);
  return { status: res.status, body: await res.json() };
}
const amount = (r: DriftReport) => r.features.find((f) => f.feature === 'amount')!;

describe('version comparisons', () => {
  it('compares the canary version with the current one over the same window', async () => {
    const r = await report('&version=v4&reference_version=v3');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.window).toMatchObject({ rows: 500, version: 'v4' });
    expect(r.body.reference).toMatchObject({ type: 'version', version: 'v3', rows: 1500, from: new Date(CUR).toISOString() });
    expect(amount(r.body)).toMatchObject({ drifted: true, decided_by: 'wasserstein' });
    // The current version against itself a day earlier: no drift.
    const same = await report(`&version=v3&reference_version=v3&reference_from=${PREV}&reference_to=${PREV + DAY}`);
    expect(same.body.reference).toMatchObject({ type: 'version', version: 'v3', rows: 1200 });
    expect(amount(same.body).drifted).toBe(false);
  });

  it('takes a declared version reference, as any other reference', async () => {
    const put = await fetch(`${s.url}/v1/models/canary/reference`, { method: 'PUT', body: JSON.stringify({ type: 'version', version: 'v3' }), headers: { 'content-type': 'application/json' } });
    expect(put.status).toBe(200);
    const r = await report('&version=v4');
    expect(r.body.reference).toMatchObject({ type: 'version', version: 'v3', rows: 1500 });
    expect(amount(r.body).drifted).toBe(true);
  });

  it('refuses reference_version together with reference=, naming both', async () => {
    const r = await report('&reference_version=v3&reference=upload');
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/reference_version.*reference=/);
  });

  it('gives quality per model_version', async () => {
    // Every prediction is 'x'; v3's labels agree, the canary's do not.
    const labels = (prefix: string, n: number, label: string) => Array.from({ length: n }, (_, i) => ({ model: 'canary', prediction_id: `${prefix}-${i}`, timestamp: CUR + 1000, label }));
    await postAll(s.post, '/v1/labels', [...labels('c3', 1500, 'x'), ...labels('c4', 500, 'y')]);
    expect(await s.drain()).toBe(true);
    const q = async (version: string) => (await (await fetch(`${s.url}/v1/drift/quality?model=canary&from=${CUR}&to=${CUR + DAY}&version=${version}`)).json()) as any;
    expect((await q('v3')).overall).toMatchObject({ labelled: 1500, metrics: { accuracy: 1 } });
    expect((await q('v4')).overall).toMatchObject({ labelled: 500, metrics: { accuracy: 0 } });
    expect((await q('v4')).window.version).toBe('v4');
  });

  it('splits a version reference into chunks of that version\'s own rows when versions take turns in the window', async () => {
    // v5 serves the first hour of the day, v6 the second: v5's chunks must all fall in the first hour.
    await postAll(s.post, '/v1/predictions', predictions('turns', 't5', PREV, { amount: normals(5, 800, 50, 10) }, v('v5')));
    await postAll(s.post, '/v1/predictions', predictions('turns', 't6', PREV + 3_600_000, { amount: normals(6, 800, 50, 10) }, v('v6')));
    expect(await s.drain()).toBe(true);
    const scope = { db: s.store.database, model: 'turns', withLabels: false };
    const window = { kind: 'window' as const, fromMs: PREV, toMs: PREV + 2 * 3_600_000 };
    const own = await timeBounds(s.store, { ...window, modelVersion: 'v5' }, scope, 4);
    expect(own).toHaveLength(3);
    // Row 200, 400 and 600 of v5's 800 rows, spread evenly over its hour.
    expect(own.map((b) => b - PREV)).toEqual([900_000, 1_800_000, 2_700_000]);
    const all = await timeBounds(s.store, window, scope, 4);
    expect(all.map((b) => b - PREV)).toEqual([1_800_000, 3_600_000, 5_400_000]);
  });
});
