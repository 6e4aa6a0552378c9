// npm run bench:alert — (1) time from ingesting the first event that breaches an SLO to the
// notification arriving at a local webhook receiver, through a real `mlobs up` at the default
// evaluation interval and route timings (BENCH_SKIP_LATENCY=1 skips it: "not measured"); (2) the
// cost of one evaluation cycle with 100 SLOs and 100 rules over stored data, drift rules included
// (drift_results is created by the drift module's migrations and filled). Lives in bench/ rather
// than alerting/ because it needs the drift module's tables, and feature modules do not import each other.
// Writes its section of bench/RESULTS.md.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { validateConfig } from '../app/config.js';
import { silentLogger } from '../core/log.js';
import { openStore } from '../storage/clickhouse.js';
import { migrate } from '../storage/migrations.js';
import { freePort, spawnMlobs, waitReady } from '../test/helpers/process.js';
import { alertingConfigSchema } from '../alerting/config.js';
import { startReceiver } from '../alerting/testing/receiver.js';
import { AlertingEngine } from '../alerting/engine.js';
import { ALERTING_MIGRATIONS } from '../alerting/migrations.js';
import { ClickHouseSignals } from '../alerting/signals.js';
import { DRIFT_MIGRATIONS } from '../drift/migrations.js';
import { machineLine, median, percentile, writeSection } from './results.js';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 5);
/** Enough cycles that the nearest-rank p90 (the 18th of 20) is not simply the slowest one. */
const CYCLES = Number(process.env.BENCH_CYCLES ?? 20);

async function breachToNotification(): Promise<number[]> {
  const hook = await startReceiver();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mlobs-bench-alert-'));
  const config = {
    alerting: {
      slos: Array.from({ length: TRIALS }, (_, i) => ({ name: `bench-${i}`, sli: { type: 'availability', model: `bench-model-${i}` }, objective: 0.995 })),
      receivers: [{ name: 'hook', type: 'webhook', url: hook.url }],
      route: { receiver: 'hook', groupBy: ['slo'] }, // default group_wait (1 s) and evaluation interval (1 s)
    },
  };
  writeFileSync(join(dir, 'mlobs.yml'), stringify(config));
  const child = spawnMlobs(['up', '--config', join(dir, 'mlobs.yml'), '--port', String(port), '--data-dir', join(dir, 'data')], { MLOBS_LOG_LEVEL: 'warn' });
  const url = `http://127.0.0.1:${port}`;
  const out: number[] = [];
  try {
    await waitReady(`${url}/readyz`, child);
    for (let i = 0; i < TRIALS; i++) {
      await new Promise((r) => setTimeout(r, 700 + Math.random() * 600)); // land at random points of the evaluation cycle
      const t0 = Date.now();
      const res = await fetch(`${url}/v1/predictions`, { method: 'POST', body: JSON.stringify({ model: `bench-model-${i}`, prediction_id: `b${i}`, timestamp: t0, features: {}, prediction: 1, status: 'error' }) });
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}`);
      await hook.waitFor(i + 1, 30_000);
      out.push(hook.bodies[i]!.atMs - t0);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await hook.close();
  }
  return out;
}

async function evaluationCost(): Promise<{ runs: number[]; rows: Record<string, number> }> {
  const store = await openStore({ database: 'benchalert', dataDir: mkdtempSync(join(tmpdir(), 'mlobs-bench-eval-')) });
  const retention = validateConfig({}).storage.retentionDays;
  await migrate(store, retention);
  await migrate(store, retention, ALERTING_MIGRATIONS);
  await migrate(store, retention, DRIFT_MIGRATIONS);
  const now = Date.now();
  // 100 models, one prediction a minute each over 3 days (432,000 rows); 5 % errors in the last hour of model 0.
  await store.command(
    `INSERT INTO ${store.database}.predictions (model, model_version, prediction_id, ts, latency_ms, status, received_at)
     SELECT concat('model-', toString(number % 100)), 'v1', toString(number), fromUnixTimestamp64Milli(toInt64({now:Int64} - intDiv(number, 100) * 60000)),
            (number * 7919) % 400, if(number % 100 = 0 AND intDiv(number, 100) < 60 AND number % 2000 = 0, 'error', 'ok'), now64(3)
     FROM numbers(432000)`,
    { now },
  );
  // 64 GPUs × 4 metrics every 15 s for 1 hour (61,440 rows).
  await store.command(
    `INSERT INTO ${store.database}.gpu_samples (ts, metric, value, hostname, gpu, uuid, namespace, pod)
     SELECT fromUnixTimestamp64Milli(toInt64({now:Int64} - intDiv(number, 256) * 15000)),
            ['DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_DEV_GPU_TEMP', 'DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_FB_FREE'][number % 4 + 1],
            (number * 31) % 100, concat('node-', toString(intDiv(number % 256, 32))), toString(intDiv(number % 256, 4) % 8), concat('GPU-', toString(intDiv(number % 256, 4))), 'ml', concat('pod-', toString(intDiv(number % 256, 4)))
     FROM numbers(61440)`,
    { now },
  );
  // Drift results as the scheduler writes them: 100 models × 10 features, one evaluation every 5 min
  // over the last day (288,000 rows); the last windows of model 0 drift, so the drift rules fire.
  await store.command(
    `INSERT INTO ${store.database}.drift_results (model, window_start, window_end, feature, kind, method, value, p_value, threshold, drifted, status, message, n_reference, n_current, reference, computed_at)
     SELECT concat('model-', toString(m)), fromUnixTimestamp64Milli(toInt64(e - 300000)), fromUnixTimestamp64Milli(toInt64(e)), concat('f', toString(f)), 'numerical', 'wasserstein',
            v, NULL, 0.1, v >= 0.1, 'ok', '', 1000, 1000, 'upload', fromUnixTimestamp64Milli(toInt64(e))
     FROM (SELECT number % 100 AS m, intDiv(number, 100) % 10 AS f, intDiv(number, 1000) AS k,
                  {now:Int64} - (k + 1) * 300000 AS e, if(m = 0 AND k < 6, 0.3, ((number * 7919) % 90) / 1000) AS v
           FROM numbers(288000))`,
    { now },
  );
  const pipelines = Array.from({ length: 20 }, (_, i) => ({ name: `pipe-${i}`, maxGapMs: 3_600_000 }));
  await store.insert(
    'pipeline_events',
    pipelines.flatMap((p, i) => Array.from({ length: 72 }, (_, h) => ({ event_id: `${p.name}-${h}`, pipeline: p.name, run_id: `r${h}`, task: '', status: (h + i) % 17 === 0 ? 'failed' : 'succeeded', ts: new Date(now - h * 3_600_000).toISOString().replace('T', ' ').replace('Z', ''), error: '', received_at: new Date(now).toISOString().replace('T', ' ').replace('Z', '') }))),
  );
  const kinds = ['pipeline_failed', 'pipeline_stale', 'gpu_xid', 'gpu_temperature', 'gpu_memory', 'gpu_idle', 'target_down', 'drift'] as const;
  const cfg = alertingConfigSchema.parse({
    slos: Array.from({ length: 100 }, (_, i) => ({
      name: `slo-${i}`,
      sli: i < 60 ? { type: 'availability', model: `model-${i}` } : i < 90 ? { type: 'latency', model: `model-${i}`, thresholdMs: [100, 250, 300][i % 3] } : { type: 'freshness', pipeline: `pipe-${i - 90}` },
      objective: 0.995,
    })),
    rules: Array.from({ length: 100 }, (_, i) => ({ name: `Rule${i}`, kind: kinds[i % kinds.length], ...(kinds[i % kinds.length] === 'pipeline_failed' ? { pipeline: `pipe-${i % 20}` } : {}) })),
  });
  // The drift rules must read something, or their share of the cycle is not measured.
  const series = await new ClickHouseSignals(store).recent(3, now);
  if (series.length !== 1000) throw new Error(`the drift rules would read ${series.length} series from drift_results, expected 1000`);
  const engine = new AlertingEngine(cfg, { store, registry: new Registry(), logger: silentLogger, now: () => Date.now(), pipelines });
  await engine.init();
  await engine.evaluate(); // warm-up
  const runs: number[] = [];
  for (let i = 0; i < CYCLES; i++) {
    const t0 = performance.now();
    await engine.evaluate();
    runs.push(performance.now() - t0);
  }
  await engine.stop();
  await store.close();
  return { runs, rows: { predictions: 432_000, gpu_samples: 61_440, pipeline_events: 1440, drift_results: 288_000 } };
}

const latency = process.env.BENCH_SKIP_LATENCY ? null : await breachToNotification();
const cost = await evaluationCost();
const interval = alertingConfigSchema.parse({}).evaluationIntervalMs;
const ms = (v: number) => `${v.toFixed(0)} ms`;
const latencyLine = latency
  ? `${TRIALS} trials: median **${ms(median(latency))}**, max ${ms(Math.max(...latency))} (${latency.join(', ')} ms); target ${Math.max(...latency) < 5000 ? '**met**' : '**missed**'} (every trial under 5 s).`
  : '**not measured** in this run (BENCH_SKIP_LATENCY was set).';
const kindsCount = (k: string) => Array.from({ length: 100 }, (_, i) => i % 8).filter((i) => ['pipeline_failed', 'pipeline_stale', 'gpu_xid', 'gpu_temperature', 'gpu_memory', 'gpu_idle', 'target_down', 'drift'][i] === k).length;
writeSection(
  'alert',
  `${machineLine('embedded engine (chdb)')}

**Breach to notification** (target < 5 s): a real \`mlobs up\` with default settings (evaluation every ${interval} ms, group_wait 1 s, sink batches up to 250 ms);
each trial POSTs one error prediction for a model with no traffic (which breaches its availability SLO at once) and waits for the webhook.
${latencyLine}

**One evaluation cycle** with 100 SLOs (60 availability, 30 latency, 10 freshness; default windows up to 3 d and 30 d periods) and 100 rules (8 kinds, ${kindsCount('drift')} of them drift rules reading 1,000 series)
over ${Object.entries(cost.rows).map(([k, v]) => `${v.toLocaleString('en')} ${k}`).join(', ')}; ${cost.runs.length} cycles after a warm-up, against the ${interval} ms interval:
median **${ms(median(cost.runs))}**, p90 ${ms(percentile(cost.runs, 90))} (nearest rank), max ${ms(Math.max(...cost.runs))}.`,
);
process.exit(0);
