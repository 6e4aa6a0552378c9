// CBPE through the stack: GET /v1/drift/quality estimates quality from scores before labels exist.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../app/config.js';
import { silentLogger } from '../../core/log.js';
import { createDriftGauges } from '../schedule/gauges.js';
import { evaluateWindow } from '../schedule/scheduler.js';
import { testStack } from '../../test/helpers/stack.js';
import { rng } from '../../demo/traffic.js';
import { DAY, day, postAll } from '../testing/data.js';

let s: Awaited<ReturnType<typeof testStack>>;
const REF = day(2);
const STEADY = day(3);
const SHIFTED = day(4);
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

/** A classifier calibrated by construction (score = P(fraud | x)); covariate shift moves x toward the boundary. */
function traffic(seed: number, n: number, mean: number, start: number, prefix: string) {
  const r = rng(seed);
  const preds: object[] = [];
  const labels: object[] = [];
  for (let i = 0; i < n; i++) {
    const score = Math.round(sigmoid(2 * (mean + normal(r) * (i % 2 ? 1 : -1))) * 1e4) / 1e4;
    const id = `${prefix}${i}`;
    preds.push({ model: 'cbpe', prediction_id: id, timestamp: start + i * 1000, prediction: score >= 0.5 ? 'fraud' : 'legit', score });
    labels.push({ model: 'cbpe', prediction_id: id, timestamp: start + i * 1000 + 5000, label: r() < score ? 'fraud' : 'legit' });
  }
  return { preds, labels };
}
const MODEL = { model: 'cbpe', positiveClass: 'fraud', reference: { type: 'window' as const, from: REF, to: REF + DAY }, estimated: { minimum: { accuracy: 0.8 } } };
const ref = traffic(1, 4000, 1, REF, 'r');
const steady = traffic(2, 1500, 1, STEADY, 's');
const shifted = traffic(3, 1500, 0.1, SHIFTED, 'x');

beforeAll(async () => {
  s = await testStack({ drift: { models: [MODEL] } });
  await postAll(s.post, '/v1/predictions', [...ref.preds, ...steady.preds, ...shifted.preds]);
  await postAll(s.post, '/v1/labels', ref.labels);
  expect(await s.drain()).toBe(true);
}, 120_000);
afterAll(async () => s?.stop());

const quality = async (from: number) => {
  const res = await fetch(`${s.url}/v1/drift/quality?model=cbpe&from=${from}&to=${from + DAY}`);
  expect(res.status).toBe(200);
  return (await res.json()) as any;
};

describe('estimated quality (CBPE) over HTTP', () => {
  it('shows the accuracy falling under covariate shift before any label of the window exists, then the labels land inside the band', async () => {
    const a = await quality(STEADY);
    const b = await quality(SHIFTED);
    expect(b.overall.labelled).toBe(0);
    expect(b.estimated).toMatchObject({ method: 'cbpe', calibration: 'isotonic', reference_rows: 4000, rows: 1500 });
    expect(b.estimated.upper.accuracy).toBeLessThan(a.estimated.lower.accuracy);
    await postAll(s.post, '/v1/labels', shifted.labels);
    expect(await s.drain()).toBe(true);
    const later = await quality(SHIFTED);
    expect(later.overall.labelled).toBe(1500);
    for (const m of ['accuracy', 'roc_auc']) {
      expect(later.overall.metrics[m]).toBeGreaterThanOrEqual(later.estimated.lower[m]);
      expect(later.overall.metrics[m]).toBeLessThanOrEqual(later.estimated.upper[m]);
    }
  }, 120_000);

  it('stores the estimate and its band beside the realised quality, and flags the window whose estimate falls below the minimum', async () => {
    const config = validateConfig({ drift: { models: [MODEL] } }).drift;
    const model = config.models[0]!;
    const deps = { store: s.store, config, logger: silentLogger, now: Date.now, gauges: createDriftGauges(new Registry()) };
    await evaluateWindow(deps, model, { fromMs: STEADY, toMs: STEADY + DAY });
    await evaluateWindow(deps, model, { fromMs: SHIFTED, toMs: SHIFTED + DAY });
    const rows = await s.store.query<{ w: string; method: string; value: number; threshold: number | null; drifted: number | null }>(
      `SELECT toString(toUnixTimestamp64Milli(window_start)) AS w, method, value, threshold, drifted FROM ${s.store.database}.drift_results FINAL
       WHERE model = 'cbpe' AND feature = '@estimated' AND method LIKE 'accuracy%' ORDER BY w, method`,
    );
    const at = (w: number, m: string) => rows.find((r) => r.w === String(w) && r.method === m)!;
    expect(at(STEADY, 'accuracy')).toMatchObject({ threshold: 0.8, drifted: 0 });
    expect(at(SHIFTED, 'accuracy')).toMatchObject({ threshold: 0.8, drifted: 1 });
    expect(at(SHIFTED, 'accuracy_lower').value).toBeLessThan(at(SHIFTED, 'accuracy').value);
    expect(at(SHIFTED, 'accuracy_upper').value).toBeGreaterThan(at(SHIFTED, 'accuracy').value);
    expect(at(SHIFTED, 'accuracy_upper').drifted).toBeNull();
  }, 120_000);
});
