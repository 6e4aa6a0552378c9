import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { eventually, testStack } from '../test/helpers/stack.js';
import { ClickHouseSignals, MemorySignals } from '../alerting/signals.js';
import { validateConfig } from '../app/config.js';
import { silentLogger } from '../core/log.js';
import type { Store } from '../storage/store.js';
import { createDriftGauges } from './schedule/gauges.js';
import { evaluateWindow, runSchedule, windowAt, type SchedulerDeps } from './schedule/scheduler.js';
import { choices, normals, postAll } from './testing/data.js';

let s: Awaited<ReturnType<typeof testStack>>;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const N = 300;

type Row = Record<string, any>;

/** Prediction events of one model: N per side, one a second from `start`; the current side's amount moved up. */
function sides(model: string, starts: [number, number], idPrefix = '') {
  const events = [];
  for (const [k, start, shift] of [[0, starts[0], 0], [1, starts[1], 30]] as const) {
    const amount = normals(50 + k, N, 50 + shift, 10);
    const country = choices(60 + k, N, ['DE', 'FR']);
    for (let i = 0; i < N; i++) {
      events.push({ model, prediction_id: `${idPrefix}${k}-${i}`, timestamp: start + i * 1000, features: { amount: amount[i], country: country[i] }, prediction: i % 2 ? 'fraud' : 'legit', score: (i % 10) / 10, segments: { country: country[i] } });
    }
  }
  return events;
}
const labelsOf = (events: { model: string; prediction_id: string; timestamp: number }[]) =>
  events.map((e, i) => ({ model: e.model, prediction_id: e.prediction_id, timestamp: e.timestamp, label: i % 3 ? 'fraud' : 'legit' }));

// The rows a reader sees of one window: FINAL, without the rows a re-evaluation retired.
const windowRows = (table: string, model: string, toMs: number, extra = '') =>
  s.sql(
    `SELECT *, toUnixTimestamp64Milli(window_end) AS we, toUnixTimestamp64Milli(computed_at) AS at FROM ${table} FINAL
     WHERE model = {m:String} AND window_end = fromUnixTimestamp64Milli({to:Int64}, 'UTC') AND status != 'superseded'${extra}
     ORDER BY feature, method`,
    { m: model, to: toMs },
  );
const byKey = (rows: Row[]) => Object.fromEntries(rows.map((r) => [`${r.feature}/${r.method}`, r]));

beforeAll(async () => {
  s = await testStack({
    drift: {
      schedule: { allowedLatenessMs: '500ms', reevaluateLast: 2 },
      models: [{ model: 'sched', positiveClass: 'fraud', reference: { type: 'rolling', offset: '1h' }, schedule: { every: '1s', window: '1h', segments: ['country'] } }],
    },
  });
}, 120_000);
afterAll(async () => s?.stop());

describe('scheduled drift evaluation', () => {
  // The 1 s schedule evaluates [end − 1 h, end) every second while the events below arrive. The
  // current side starts 10 min into the last hour, so every window ending in the next 10 min holds
  // all of both sides (the reference is the hour before, rolling 1h).
  let settled: { toMs: number; rows: Row[] };
  beforeAll(async () => {
    const now = Date.now();
    const events = sides('sched', [now - 2 * HOUR + 10 * MINUTE, now - HOUR + 10 * MINUTE]);
    await postAll(s.post, '/v1/predictions', events);
    await postAll(s.post, '/v1/labels', labelsOf(events));
    await s.drain();
    // The newest evaluated window, once its evaluation saw everything: both sides whole and every
    // label of the current side. A window is written whole (drift/schedule/write.ts), so its rows
    // are one evaluation of that data.
    const rows = await eventually(
      async () => {
        const [last] = await s.sql(`SELECT toUnixTimestamp64Milli(max(window_end)) AS t FROM drift_evaluations FINAL WHERE model = 'sched'`);
        return windowRows('drift_results', 'sched', Number(last!.t));
      },
      (r) => {
        const k = byKey(r);
        return k['@dataset/share']?.n_reference === N && k['@dataset/share']?.n_current === N && k['@label/chi2']?.n_current === N;
      },
      { timeoutMs: 90_000, what: "the newest scheduled window of 'sched' evaluated with all its predictions and labels" },
    );
    settled = { toMs: rows[0]!.we, rows };
  }, 150_000);

  it('writes one row per feature, method and window to drift_results, with the data-set verdict and model quality', () => {
    const by = byKey(settled.rows);
    expect(Object.keys(by)).toHaveLength(settled.rows.length);
    expect(new Set(settled.rows.map((r) => r.at)).size).toBe(1);
    expect(by['amount/ks']).toMatchObject({ status: 'ok', threshold: 0.05, drifted: 1 });
    expect(by['amount/missing']).toMatchObject({ value: 0, drifted: 0 });
    expect(by['country/chi2']).toMatchObject({ status: 'ok', drifted: 0 });
    expect(by['@dataset/share']).toMatchObject({ value: 0.5, threshold: 0.5, drifted: 1 });
    expect(by['@quality/accuracy']!.value).toBeGreaterThan(0);
    expect(by['@quality/roc_auc']).toBeDefined();
    // Labels joined to their predictions are a feature of their own (concept drift).
    expect(by['@label/chi2']).toMatchObject({ status: 'ok', n_current: N });
  });

  it('writes the per-segment results of the same evaluation to drift_segment_results', async () => {
    const rows = await windowRows('drift_segment_results', 'sched', settled.toMs, ` AND segment_name = 'country' AND feature = 'amount' AND method = 'ks'`);
    expect(rows.map((r) => [r.segment_value, r.drifted]).sort()).toEqual([['DE', 1], ['FR', 1]]);
  });

  it('exports the latest window as Prometheus gauges', async () => {
    // Gauges follow the newest window; every window after the settled one holds the same data.
    const text = await eventually(() => fetch(`${s.url}/metrics`).then((r) => r.text()), (t) => /mlobs_drift_dataset_drifted_share\{model="sched"\} 0\.5\n/.test(t), {
      what: 'the gauges of a window evaluated with all its data',
    });
    expect(text).toMatch(/mlobs_drift_detected\{model="sched",feature="amount"\} 1/);
    expect(text).toMatch(/mlobs_drift_statistic\{model="sched",feature="amount",method="ks"\} 0\.\d+/);
    expect(text).toMatch(/mlobs_model_quality\{model="sched",metric="accuracy"\} 0\.\d+/);
  });

  it('is what the alerting module reads as drift signals from drift_results', async () => {
    const series = await new ClickHouseSignals(s.store).recent(3, Date.now());
    const amount = series.find((x) => x.model === 'sched' && x.feature === 'amount' && x.method === 'ks');
    expect(amount!.signals[0]).toMatchObject({ source: 'drift', drifted: true, threshold: 0.05 });
    expect(amount!.signals[0]!.atMs).toBeGreaterThanOrEqual(settled.toMs);
  });

  it('hands the same signals to an in-process alerting sink when one is wired', async () => {
    const signals = new MemorySignals();
    const config = validateConfig({ drift: { models: [{ model: 'sched', reference: { type: 'rolling', offset: '1h' } }] } }).drift;
    const model = config.models[0]!;
    const window = windowAt({ every: 1000, window: HOUR, segments: [] }, Date.now());
    const deps = { store: s.store, config, logger: silentLogger, now: Date.now, gauges: createDriftGauges(new Registry()), signals };
    await evaluateWindow(deps, model, window);
    // Evaluated again (as late data would make it): the window's signals are replaced, not doubled.
    await evaluateWindow(deps, model, window);
    const series = await signals.recent(10, window.toMs);
    const amount = series.find((x) => x.feature === 'amount' && x.method === 'ks')!;
    expect(amount.signals.filter((x) => x.atMs === window.toMs)).toHaveLength(1);
    expect(amount.signals[0]).toMatchObject({ source: 'drift', model: 'sched', drifted: true, threshold: 0.05, atMs: window.toMs });
    expect(series.find((x) => x.feature === '@dataset')!.signals[0]).toMatchObject({ method: 'share', value: 0.5, drifted: true });
  });
});

describe('the watermark and late data', () => {
  // Driven by hand with its own clock: model 'late' is not in the stack's schedule, so nothing
  // else evaluates it. Hourly windows, 5 min allowed lateness; the window under test is [T, T + 1h).
  const T = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
  const config = validateConfig({
    drift: {
      schedule: { allowedLatenessMs: '5m', reevaluateLast: 3 },
      models: [{ model: 'late', positiveClass: 'fraud', reference: { type: 'rolling', offset: '1h' }, schedule: { every: '1h', segments: ['country'] } }],
    },
  }).drift;
  const model = config.models[0]!;
  const events = sides('late', [T - HOUR, T]);
  const labels = labelsOf(events);
  let clock = 0;
  const inserts: string[] = [];
  let deps: SchedulerDeps;

  beforeAll(async () => {
    // A store that records the order of inserts, to show how one evaluation is written.
    const store = new Proxy(s.store, {
      get(target, p) {
        if (p === 'insert') return (table: string, rows: readonly object[], opts?: { dedupToken?: string }) => (inserts.push(table), target.insert(table, rows, opts));
        const v = (target as any)[p];
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as Store;
    deps = { store, config, logger: silentLogger, now: () => clock, gauges: createDriftGauges(new Registry()) };
    // Both sides and the reference's labels; the current side's labels come late.
    await postAll(s.post, '/v1/predictions', events);
    await postAll(s.post, '/v1/labels', labels.slice(0, N));
    await s.drain();
  }, 120_000);

  it('evaluates a window only once its end plus the allowed lateness has passed', async () => {
    clock = T + HOUR + 5 * MINUTE - 1;
    expect(await runSchedule(deps, model)).toEqual([{ fromMs: T - HOUR, toMs: T }]);
    clock = T + HOUR + 5 * MINUTE;
    inserts.length = 0;
    expect(await runSchedule(deps, model)).toEqual([{ fromMs: T, toMs: T + HOUR }]);
    const by = byKey(await windowRows('drift_results', 'late', T + HOUR));
    expect(by['@label/status']).toMatchObject({ status: 'missing_in_current', n_current: 0 });
    expect(by['@label/chi2']).toBeUndefined();
  });

  it('writes an evaluation as one insert per table, segments before the model rows and the completion mark last', () => {
    expect(inserts).toEqual(['drift_segment_results', 'drift_results', 'drift_evaluations']);
  });

  it('does not evaluate a window again while its data is unchanged', async () => {
    clock += MINUTE;
    expect(await runSchedule(deps, model)).toEqual([]);
  });

  it('re-evaluates a window when late data arrives, and readers then see only the new evaluation', async () => {
    const before = await windowRows('drift_results', 'late', T + HOUR);
    await postAll(s.post, '/v1/labels', labels.slice(N));
    await s.drain();
    clock += MINUTE;
    inserts.length = 0;
    expect(await runSchedule(deps, model)).toEqual([{ fromMs: T, toMs: T + HOUR }]);
    expect(inserts).toEqual(['drift_segment_results', 'drift_results', 'drift_evaluations']);

    const after = await windowRows('drift_results', 'late', T + HOUR);
    const by = byKey(after);
    expect(by['@label/chi2']).toMatchObject({ status: 'ok', n_current: N });
    // Not a mix of two evaluations: the stale status row is retired and every row is the new one.
    expect(by['@label/status']).toBeUndefined();
    const at = after[0]!.at;
    expect(after.every((r) => r.at === at)).toBe(true);
    expect(at).toBeGreaterThan(Math.max(...before.map((r) => r.at)));
    const retired = await s.sql(`SELECT status, value, drifted FROM drift_results FINAL WHERE model = 'late' AND window_end = fromUnixTimestamp64Milli({to:Int64}, 'UTC') AND feature = '@label' AND method = 'status'`, { to: T + HOUR });
    expect(retired).toEqual([{ status: 'superseded', value: null, drifted: null }]);
    const segments = await windowRows('drift_segment_results', 'late', T + HOUR, ` AND feature = '@label'`);
    expect(segments.map((r) => [r.segment_value, r.method, r.status]).sort()).toEqual([['DE', 'chi2', 'ok'], ['FR', 'chi2', 'ok']]);
    expect(segments.every((r) => r.at === at)).toBe(true);
  });
});
