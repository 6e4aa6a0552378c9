import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testStack } from '../test/helpers/stack.js';
import { ClickHouseSignals, MemorySignals } from '../alerting/signals.js';
import { silentLogger } from '../core/log.js';
import { createDriftGauges } from './schedule/gauges.js';
import { evaluateWindow, windowAt } from './schedule/scheduler.js';
import { Registry } from 'prom-client';
import { choices, normals, postAll } from './testing/data.js';

let s: Awaited<ReturnType<typeof testStack>>;
const HOUR = 3_600_000;
const N = 300;

beforeAll(async () => {
  s = await testStack({
    drift: { models: [{ model: 'sched', positiveClass: 'fraud', reference: { type: 'rolling', offset: '1h' }, schedule: { every: '1s', window: '1h', segments: ['country'] } }] },
  });
  // The hour before last is the reference (rolling 1h); in the last hour amount moves up.
  const now = Date.now();
  const events = [];
  for (const [k, start, shift] of [[0, now - 2 * HOUR + 60_000, 0], [1, now - HOUR + 60_000, 30]] as const) {
    const amount = normals(50 + k, N, 50 + shift, 10);
    const country = choices(60 + k, N, ['DE', 'FR']);
    for (let i = 0; i < N; i++) {
      events.push({ model: 'sched', prediction_id: `${k}-${i}`, timestamp: start + i * 1000, features: { amount: amount[i], country: country[i] }, prediction: i % 2 ? 'fraud' : 'legit', score: (i % 10) / 10, segments: { country: country[i] } });
    }
  }
  await postAll(s.post, '/v1/predictions', events);
  await postAll(s.post, '/v1/labels', events.map((e, i) => ({ model: 'sched', prediction_id: e.prediction_id, timestamp: e.timestamp, label: i % 3 ? 'fraud' : 'legit' })));
  expect(await s.drain()).toBe(true);
}, 120_000);
afterAll(async () => s?.stop());

describe('scheduled drift evaluation', () => {
  it('writes one row per feature, method and window to drift_results, with the data-set verdict and model quality', async () => {
    const rows = await eventually(
      () => s.sql(`SELECT feature, method, value, threshold, drifted, status FROM drift_results FINAL WHERE model = 'sched' ORDER BY window_end DESC, feature, method LIMIT 1 BY feature, method`),
      (r) => r.some((x) => x.feature === '@quality'),
    );
    const by = Object.fromEntries(rows.map((r) => [`${r.feature}/${r.method}`, r]));
    expect(by['amount/ks']).toMatchObject({ status: 'ok', threshold: 0.05, drifted: 1 });
    expect(by['amount/missing']).toMatchObject({ value: 0, drifted: 0 });
    expect(by['country/chi2']).toMatchObject({ status: 'ok', drifted: 0 });
    expect(by['@dataset/share']).toMatchObject({ value: 0.5, threshold: 0.5, drifted: 1 });
    expect(by['@quality/accuracy']!.value).toBeGreaterThan(0);
    expect(by['@quality/roc_auc']).toBeDefined();
    // Labels joined to their predictions are a feature of their own (concept drift).
    expect(by['@label/chi2']).toMatchObject({ status: 'ok' });
  });

  it('writes the per-segment results to drift_segment_results', async () => {
    const rows = await eventually(
      () => s.sql(`SELECT segment_value, drifted FROM drift_segment_results FINAL WHERE model = 'sched' AND segment_name = 'country' AND feature = 'amount' AND method = 'ks' ORDER BY window_end DESC LIMIT 1 BY segment_value`),
      (r) => r.length === 2,
    );
    expect(rows.map((r) => [r.segment_value, r.drifted]).sort()).toEqual([['DE', 1], ['FR', 1]]);
  });

  it('exports the latest window as Prometheus gauges', async () => {
    const text = await eventually(() => fetch(`${s.url}/metrics`).then((r) => r.text()), (t) => t.includes('mlobs_drift_dataset_detected{model="sched"}'));
    expect(text).toMatch(/mlobs_drift_detected\{model="sched",feature="amount"\} 1/);
    expect(text).toMatch(/mlobs_drift_statistic\{model="sched",feature="amount",method="ks"\} 0\.\d+/);
    expect(text).toMatch(/mlobs_drift_dataset_drifted_share\{model="sched"\} 0\.5/);
    expect(text).toMatch(/mlobs_model_quality\{model="sched",metric="accuracy"\} 0\.\d+/);
  });

  it('is what the alerting module reads as drift signals from drift_results', async () => {
    const series = await new ClickHouseSignals(s.store).recent(3, Date.now());
    const amount = series.find((x) => x.model === 'sched' && x.feature === 'amount' && x.method === 'ks');
    expect(amount!.signals[0]).toMatchObject({ source: 'drift', drifted: true, threshold: 0.05 });
  });

  it('hands the same signals to an in-process alerting sink when one is wired', async () => {
    const signals = new MemorySignals();
    const config = (await import('../app/config.js')).validateConfig({ drift: { models: [{ model: 'sched', reference: { type: 'rolling', offset: '1h' } }] } }).drift;
    const model = config.models[0]!;
    const window = windowAt({ every: 1000, window: HOUR, segments: [] }, Date.now());
    await evaluateWindow({ store: s.store, config, logger: silentLogger, now: Date.now, gauges: createDriftGauges(new Registry()), signals }, model, window);
    const series = await signals.recent(1, window.toMs);
    const amount = series.find((x) => x.feature === 'amount' && x.method === 'ks')!;
    expect(amount.signals[0]).toMatchObject({ source: 'drift', model: 'sched', drifted: true, threshold: 0.05, atMs: window.toMs });
    expect(series.find((x) => x.feature === '@dataset')!.signals[0]).toMatchObject({ method: 'share', value: 0.5, drifted: true });
  });
});
