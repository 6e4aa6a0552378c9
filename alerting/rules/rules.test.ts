import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gauge, Registry } from 'prom-client';
import { silentLogger } from '../../core/log.js';
import { testStack } from '../../test/helpers/stack.js';
import { alertingConfigSchema, type AlertingConfigInput } from '../config.js';
import { AlertingEngine } from '../engine.js';
import { MemorySignals } from '../signals.js';
import { validateConfig } from '../../app/config.js';
import { createDriftGauges } from '../../drift/schedule/gauges.js';
import { evaluateWindow } from '../../drift/schedule/scheduler.js';
import { choices, normals, postAll } from '../../drift/testing/data.js';

const M = 60_000;
const T = Date.now() - 3 * 3_600_000; // within every retention; the engines below run on injected time
let s: Awaited<ReturnType<typeof testStack>>;

const gpu = (metric: string, gpuId: string, value: number, tsMs: number, pod = '') =>
  `${metric}{gpu="${gpuId}",UUID="GPU-${gpuId}",Hostname="node-1"${pod ? `,namespace="ml",pod="${pod}"` : ''}} ${value} ${tsMs}`;

beforeAll(async () => {
  s = await testStack({ alerting: { enabled: false } });
  const lines: string[] = [];
  for (let t = T; t <= T + 40 * M; t += M) {
    lines.push(gpu('DCGM_FI_DEV_GPU_UTIL', '0', 1, t, 'trainer-0'), gpu('DCGM_FI_DEV_GPU_UTIL', '1', 80, t, 'trainer-1'));
    lines.push(gpu('DCGM_FI_DEV_GPU_TEMP', '0', 70, t), gpu('DCGM_FI_DEV_GPU_TEMP', '1', t >= T + 30 * M ? 91 : 70, t));
    lines.push(gpu('DCGM_FI_DEV_FB_USED', '0', 79_000, t), gpu('DCGM_FI_DEV_FB_FREE', '0', 1000, t));
    lines.push(gpu('DCGM_FI_DEV_FB_USED', '1', 1000, t), gpu('DCGM_FI_DEV_FB_FREE', '1', 79_000, t));
    lines.push(gpu('DCGM_FI_DEV_XID_ERRORS', '0', t === T + 35 * M ? 79 : 0, t));
  }
  expect((await fetch(`${s.url}/v1/gpu/metrics`, { method: 'POST', body: lines.join('\n') + '\n' })).status).toBe(202);
  const ev = (pipeline: string, run: string, status: string, ts: number, error = '') => ({ pipeline, run_id: run, status, timestamp: ts, ...(error ? { error } : {}) });
  await s.post('/v1/pipeline-events', [
    ev('features', 'r1', 'succeeded', T),
    ev('features', 'r2', 'failed', T + 20 * M, 'disk full'),
    ev('labels', 'r1', 'failed', T),
    ev('labels', 'r2', 'succeeded', T + 10 * M),
  ]);
  await s.drain();
});
afterAll(async () => s?.stop());

function engine(input: AlertingConfigInput, extra: { registry?: Registry; signals?: MemorySignals } = {}) {
  const cfg = alertingConfigSchema.parse(input);
  const pipelines = [{ name: 'features', maxGapMs: 30 * M }, { name: 'labels', maxGapMs: 60 * M }];
  const e = new AlertingEngine(cfg, { store: s.store, registry: extra.registry ?? new Registry(), logger: silentLogger, now: () => 0, pipelines, signals: extra.signals });
  return async (now: number) => {
    await e.evaluate(now);
    return e.list(now).map((a): Record<string, string> => ({ state: a.state, ...a.labels, why: a.annotations.why ?? "" }));
  };
}

describe('rule alerts over stored events', () => {
  it('fires when a pipeline run failed and no later run succeeded, saying which run and why', async () => {
    const at = engine({ rules: [{ name: 'PipelineFailed', kind: 'pipeline_failed', severity: 'critical' }] });
    const alerts = await at(T + 25 * M);
    expect(alerts).toEqual([{ state: 'firing', alertname: 'PipelineFailed', severity: 'critical', pipeline: 'features', why: expect.stringMatching(/run r2 failed at .*: disk full; no successful run since/) }]);
  });

  it('names the task failure that says why when the run\'s own failure carries none, and ignores heartbeats', async () => {
    // As OpenLineage reports an Airflow DAG run: the task fails with an error, then the DAG run fails without one.
    const D = T + 100 * M;
    const ev = (task: string, status: string, ts: number, error = '') => ({ pipeline: 'airflow/dag', run_id: 'd1', task, status, timestamp: ts, ...(error ? { error } : {}) });
    await s.post('/v1/pipeline-events', [ev('', 'started', D), ev('dag.load', 'failed', D + M, 'permission denied'), ev('', 'failed', D + M + 1000), ev('dag.extract', 'heartbeat', D + 2 * M)]);
    await s.drain();
    const at = engine({ rules: [{ name: 'PipelineFailed', kind: 'pipeline_failed', pipeline: 'airflow/dag' }] });
    expect((await at(D + 3 * M)).map((a) => [a.state, a.why])).toEqual([['firing', `run d1 task dag.load failed at ${new Date(D + M).toISOString()}: permission denied; no successful run since`]]);
    await s.post('/v1/pipeline-events', [{ pipeline: 'airflow/dag', run_id: 'd2', status: 'heartbeat', timestamp: D + 4 * M }]);
    await s.drain();
    expect((await at(D + 5 * M)).map((a) => a.state)).toEqual(['firing']);
  });

  it('fires when a pipeline is past its allowed gap, only after `for`', async () => {
    const at = engine({ rules: [{ name: 'PipelineStale', kind: 'pipeline_stale', forMs: '5m' }] });
    // features: last success at T, gap 30 min → stale from T+30m; labels: success at T+10m, gap 60 min.
    expect(await at(T + 30 * M)).toEqual([]);
    expect((await at(T + 31 * M)).map((a) => [a.pipeline, a.state])).toEqual([['features', 'pending']]);
    expect((await at(T + 36 * M)).map((a) => [a.pipeline, a.state])).toEqual([['features', 'firing']]);
    expect((await at(T + 71 * M)).map((a) => [a.pipeline, a.state]).sort()).toEqual([['features', 'firing'], ['labels', 'pending']]);
  });

  it('fires on GPU XID errors, heat and nearly full memory, per GPU', async () => {
    const at = engine({
      rules: [
        { name: 'GpuXid', kind: 'gpu_xid', severity: 'critical' },
        { name: 'GpuHot', kind: 'gpu_temperature', thresholdC: 90 },
        { name: 'GpuMemoryFull', kind: 'gpu_memory', thresholdRatio: 0.95 },
      ],
    });
    const alerts = await at(T + 36 * M);
    expect(alerts.map((a) => `${a.alertname}:${a.gpu}`).sort()).toEqual(['GpuHot:1', 'GpuMemoryFull:0', 'GpuXid:0']);
    expect(alerts.find((a) => a.alertname === 'GpuXid')).toMatchObject({ hostname: 'node-1', uuid: 'GPU-0', why: expect.stringMatching(/XID 79/) });
    // The XID leaves the 5-minute lookback: resolved.
    expect((await at(T + 41 * M)).find((a) => a.alertname === 'GpuXid')!.state).toBe('resolved');
  });

  it('fires for GPUs allocated to pods but idle for the whole duration', async () => {
    const at = engine({ rules: [{ name: 'GpuIdle', kind: 'gpu_idle', utilizationBelow: 5, durationMs: '30m' }] });
    expect(await at(T + 20 * M)).toEqual([]); // not yet 30 minutes of samples
    expect((await at(T + 35 * M)).map((a) => [a.pod, a.gpu, a.namespace])).toEqual([['trainer-0', '0', 'ml']]);
  });

  it('fires on drift over threshold for N consecutive evaluations only, labelled with the feeding pipeline', async () => {
    const signals = new MemorySignals();
    const at = engine({ rules: [{ name: 'FeatureDrift', kind: 'drift', consecutive: 3, pipeline: 'features' }] }, { signals });
    const sig = (atMs: number, drifted: boolean) => signals.publish({ source: 'drift', model: 'fraud', feature: 'amount', method: 'psi', value: drifted ? 0.4 : 0.05, threshold: 0.2, drifted, atMs });
    sig(T, true);
    sig(T + M, false);
    sig(T + 2 * M, true);
    sig(T + 3 * M, true);
    expect(await at(T + 3 * M)).toEqual([]);
    sig(T + 4 * M, true);
    expect(await at(T + 4 * M)).toEqual([
      { state: 'firing', alertname: 'FeatureDrift', severity: 'warning', model: 'fraud', feature: 'amount', method: 'psi', pipeline: 'features', why: expect.stringMatching(/psi = 0.4 over threshold 0.2 in the last 3 evaluations/) },
    ]);
  });

  it('reads drift signals from drift_results as the drift scheduler writes them: per window end, FINAL, no verdict and quality rows skipped', async () => {
    // Predictions for model churn: a reference half hour, three drifted 10-minute windows (tenure
    // and plan move, region does not) and a fourth window too small for a verdict.
    const W = 10 * M;
    const refStart = T - 60 * M;
    const events: object[] = [];
    const add = (k: string, start: number, n: number, shift: number) => {
      const tenure = normals(10 + events.length, n, 24 + shift * 12, 6);
      const plan = choices(20 + events.length, n, ['basic', 'pro'], shift ? [1, 4] : [4, 1]);
      const region = choices(30 + events.length, n, ['eu', 'us']);
      for (let i = 0; i < n; i++) {
        events.push({ model: 'churn', prediction_id: `${k}-${i}`, timestamp: start + Math.floor((i * W) / n), features: { tenure: tenure[i], plan: plan[i], region: region[i] }, prediction: 'stay' });
      }
    };
    add('ref', refStart, 300, 0);
    for (let w = 0; w < 3; w++) add(`w${w}`, T + w * W, 300, 1);
    add('w3', T + 3 * W, 5, 1);
    await postAll(s.post, '/v1/predictions', events);
    expect(await s.drain()).toBe(true);
    // Per-feature signals only: this is about how the rule reads drift_results, not the multivariate methods.
    const drift = validateConfig({ drift: { multivariate: { methods: [] }, models: [{ model: 'churn', reference: { type: 'window', from: refStart, to: refStart + 30 * M } }] } }).drift;
    const deps = { store: s.store, config: drift, logger: silentLogger, now: Date.now, gauges: createDriftGauges(new Registry()) };
    for (let w = 0; w < 4; w++) await evaluateWindow(deps, drift.models[0]!, { fromMs: T + w * W, toMs: T + (w + 1) * W });
    // A re-run of a window writes newer rows of the same evaluation (read with FINAL: still one).
    await evaluateWindow(deps, drift.models[0]!, { fromMs: T + 2 * W, toMs: T + 3 * W });

    const rows = await s.sql(`SELECT feature, method, drifted FROM drift_results FINAL WHERE model = 'churn' AND window_end = fromUnixTimestamp64Milli(${T + 4 * W})`);
    expect(rows.filter((r) => r.feature === 'tenure' && r.method !== 'missing').every((r) => r.drifted === null)).toBe(true); // the no-verdict window exists

    const at = engine({ rules: [{ name: 'FeatureDrift', kind: 'drift', model: 'churn', consecutive: 3 }] });
    const fired = async (now: number) => (await at(now)).filter((a) => a.state === 'firing');
    // Signals are timed by their window end: the third window ends at T+30m.
    expect(await fired(T + 3 * W - 1)).toEqual([]);
    const alerts = await fired(T + 4 * W + 5 * M);
    expect(alerts.map((a) => `${a.feature}/${a.method}`).sort()).toEqual(['@dataset/share', 'plan/chi2', 'tenure/ks']);
    const by = Object.fromEntries(alerts.map((a) => [a.feature, a.why]));
    // The fourth window (no verdict) is no evaluation: the latest one is still the third.
    const third = new Date(T + 3 * W).toISOString();
    expect(by.tenure).toMatch(new RegExp(`^ks statistic [0-9.]+, p-value [0-9.e-]+ below 0.05 in the last 3 evaluations \\(latest window ending ${third}\\)$`));
    expect(by['@dataset']).toMatch(/^[0-9.]+ % of features drifted \(threshold 50 %\) in the last 3 evaluations/);
    // Three evaluated windows, the third written twice: four consecutive are not there.
    const four = engine({ rules: [{ name: 'FeatureDrift', kind: 'drift', model: 'churn', consecutive: 4 }] });
    expect(await four(T + 4 * W + 5 * M)).toEqual([]);
  });

  it('fires for a collector target whose last scrape failed', async () => {
    const registry = new Registry();
    const up = new Gauge({ name: 'mlobs_scrape_up', help: 'h', labelNames: ['target'], registers: [registry] });
    up.set({ target: 'http://gpu-1:9400/metrics' }, 0);
    up.set({ target: 'http://gpu-2:9400/metrics' }, 1);
    const at = engine({ rules: [{ name: 'TargetDown', kind: 'target_down', annotations: { summary: 'down: {{ $labels.target }}', runbookUrl: 'https://runbooks.example/target' } }] }, { registry });
    const alerts = await at(T);
    expect(alerts.map((a) => a.target)).toEqual(['http://gpu-1:9400/metrics']);
  });

  it('keeps the previous state of a rule whose query fails, and counts the failure', async () => {
    const registry = new Registry();
    const cfg = alertingConfigSchema.parse({ rules: [{ name: 'PipelineFailed', kind: 'pipeline_failed' }] });
    let broken = false;
    const store = new Proxy(s.store, { get: (t, k) => (k === 'query' && broken ? async () => { throw new Error('storage down'); } : (t as any)[k]) });
    const e = new AlertingEngine(cfg, { store, registry, logger: silentLogger, now: () => 0, pipelines: [] });
    await e.evaluate(T + 25 * M);
    broken = true;
    await e.evaluate(T + 26 * M);
    expect(e.list(T + 26 * M).map((a) => a.state)).toEqual(['firing']);
    expect(await registry.getSingleMetricAsString('mlobs_alerting_rule_failures_total')).toContain('rule="PipelineFailed"} 1');
  });
});
