import type { Logger } from '../core/log.js';
import { seededUniform } from '../core/random.js';

/** A small deterministic PRNG so demo data is reproducible (mulberry32). */
export const rng = seededUniform;

const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
const COUNTRIES = ['DE', 'FR', 'US', 'BR', 'IN'];

/**
 * Synthetic predictions for two models: `fraud-detector` (classifier) and `eta-regressor` (regressor).
 * With `drift` > 0 the current traffic shifts (amount grows, country mix changes) to give drift detectors something to find;
 * `driftOnly` limits the shift to one model.
 */
export function makePredictions(opts: { count: number; startMs: number; spacingMs: number; seed: number; drift?: number; idPrefix?: string; driftOnly?: 'fraud-detector' | 'eta-regressor' }) {
  const r = rng(opts.seed);
  const events = [];
  for (let i = 0; i < opts.count; i++) {
    const ts = opts.startMs + i * opts.spacingMs;
    const fraud = i % 2 === 0;
    const drift = opts.driftOnly && opts.driftOnly !== (fraud ? 'fraud-detector' : 'eta-regressor') ? 0 : (opts.drift ?? 0);
    const country = COUNTRIES[Math.floor(r() ** (1 + drift) * COUNTRIES.length)]!;
    if (fraud) {
      const amount = Math.exp(3 + normal(r) + drift);
      const score = 1 / (1 + Math.exp(-(amount / 80 - 2 + normal(r))));
      events.push({
        model: 'fraud-detector',
        model_version: 'v3',
        prediction_id: `${opts.idPrefix ?? 'demo'}-${opts.seed}-${i}`,
        timestamp: ts,
        features: { amount: +amount.toFixed(2), account_age_days: Math.floor(r() * 2000), country, channel: r() < 0.7 ? 'web' : 'app', prior_chargebacks: r() < 0.05 ? null : Math.floor(r() * 3) },
        prediction: score > 0.5 ? 'fraud' : 'legit',
        score: +score.toFixed(4),
        latency_ms: +(8 + r() * 20 + (r() < 0.01 ? 400 : 0)).toFixed(1),
        status: r() < 0.003 ? 'error' : 'ok',
        segments: { country },
      });
    } else {
      const distance = Math.abs(5 + 3 * normal(r) + 2 * drift);
      events.push({
        model: 'eta-regressor',
        model_version: 'v12',
        prediction_id: `${opts.idPrefix ?? 'demo'}-${opts.seed}-${i}`,
        timestamp: ts,
        features: { distance_km: +distance.toFixed(3), hour: Math.floor(r() * 24), traffic_index: +(r() * (1 + drift)).toFixed(3), city: r() < 0.5 ? 'berlin' : 'paris' },
        prediction: +(distance * 3 + 4 + normal(r)).toFixed(2),
        latency_ms: +(3 + r() * 6).toFixed(1),
        status: 'ok',
        segments: { country },
      });
    }
  }
  return events;
}

/** A training set for `model`: undrifted predictions shaped as reference rows (POST /v1/models/{model}/reference). */
export function makeReferenceRows(model: 'fraud-detector' | 'eta-regressor', count: number, seed: number) {
  return makePredictions({ count: count * 2, startMs: 0, spacingMs: 0, seed })
    .filter((e) => e.model === model)
    .map((e) => ({ features: e.features, prediction: e.prediction, ...('score' in e ? { score: e.score } : {}), segments: e.segments }));
}

/** Pipeline runs over the last hours: `features-daily` succeeds, `training-weekly` fails in its last run. */
export function makePipelineRuns(nowMs: number) {
  const events = [];
  const hour = 3_600_000;
  for (let k = 3; k >= 1; k--) {
    const start = nowMs - k * 2 * hour;
    const run = `features-daily-${k}`;
    events.push({ event_id: `${run}-start`, pipeline: 'features-daily', run_id: run, status: 'started', timestamp: start });
    events.push({ event_id: `${run}-extract`, pipeline: 'features-daily', run_id: run, task: 'extract', status: 'succeeded', timestamp: start + 300_000, started_at: start, finished_at: start + 300_000, rows_in: 0, rows_out: 120_000 + k });
    events.push({ event_id: `${run}-end`, pipeline: 'features-daily', run_id: run, status: 'succeeded', timestamp: start + 600_000, started_at: start, finished_at: start + 600_000, rows_in: 120_000 + k, rows_out: 119_800 + k });
  }
  const start = nowMs - hour;
  events.push({ event_id: 'training-weekly-7-start', pipeline: 'training-weekly', run_id: 'training-weekly-7', status: 'started', timestamp: start });
  events.push({
    event_id: 'training-weekly-7-end', pipeline: 'training-weekly', run_id: 'training-weekly-7', task: 'train', status: 'failed', timestamp: start + 900_000,
    started_at: start, finished_at: start + 900_000, rows_in: 2_400_000, rows_out: 0, error: 'CUDA error: out of memory (tried to allocate 20.00 GiB)',
  });
  return events;
}

/** Posts JSON to the stack's API, logging (not throwing) on failure so the demo keeps going. */
export async function post(baseUrl: string, path: string, body: unknown, logger: Logger, token?: string): Promise<boolean> {
  try {
    const res = await fetch(baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    if (!res.ok) logger.warn('demo post rejected', { path, status: res.status, body: (await res.text()).slice(0, 300) });
    return res.ok;
  } catch (e) {
    logger.warn('demo post failed', { path, error: (e as Error).message });
    return false;
  }
}
