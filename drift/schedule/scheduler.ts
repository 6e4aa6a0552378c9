/**
 * Scheduled drift evaluation. Each model with `schedule` in config is evaluated once per `every`:
 * the window is [end − window, end) with end the last multiple of `every` (epoch-aligned) at
 * least `delay` ago. Results go to `drift_results` (per segment: `drift_segment_results`), the
 * gauges and, when wired, the alerting module's signal sink. Runs of one
 * model never overlap; a failed run is logged and counted, and the next one runs on time.
 */
import type { Logger } from '../../core/log.js';
import { errorMessage } from '../../core/errors.js';
import type { Store } from '../../storage/store.js';
import type { DriftConfig, DriftModelConfig } from '../config.js';
import { modelQuality } from '../quality/quality.js';
import { driftReport } from '../report/report.js';
import { signalsOf, type SignalSink } from '../signals.js';
import { updateGauges, type DriftGauges } from './gauges.js';
import { qualityRows, resultRows } from './results.js';

export interface SchedulerDeps {
  store: Store;
  config: DriftConfig;
  logger: Logger;
  now: () => number;
  gauges: DriftGauges;
  /** In-process sink of the alerting module, if wired; alerting also reads drift_results itself. */
  signals?: SignalSink;
}

/** The window a run at `nowMs` evaluates. */
export function windowAt(schedule: NonNullable<DriftModelConfig['schedule']>, nowMs: number): { fromMs: number; toMs: number } {
  const toMs = Math.floor((nowMs - (schedule.delay ?? 0)) / schedule.every) * schedule.every;
  return { fromMs: toMs - (schedule.window ?? schedule.every), toMs };
}

/** Evaluates one window of one model and stores, exports and signals the outcome. */
export async function evaluateWindow(deps: SchedulerDeps, model: DriftModelConfig, window: { fromMs: number; toMs: number }): Promise<void> {
  const { store, config } = deps;
  const at = deps.now();
  const { fromMs, toMs } = window;
  const report = await driftReport({ store, config }, { model: model.model, ...window });
  const quality = await modelQuality(store, model, { model: model.model, ...window });
  await store.insert('drift_results', [...resultRows(report, fromMs, toMs, at), ...qualityRows(model.model, quality.overall, null, fromMs, toMs, at)]);
  const segmentRows: object[] = [];
  for (const name of model.schedule?.segments ?? []) {
    const bySegment = await driftReport({ store, config }, { model: model.model, ...window, segmentBy: name });
    for (const s of bySegment.segments?.values ?? []) segmentRows.push(...resultRows(s, fromMs, toMs, at));
    const q = await modelQuality(store, model, { model: model.model, ...window, segmentBy: name });
    for (const g of q.segments?.values ?? []) segmentRows.push(...qualityRows(model.model, g, { name, value: g.segment ?? '' }, fromMs, toMs, at));
  }
  await store.insert('drift_segment_results', segmentRows);
  updateGauges(deps.gauges, report, quality, toMs);
  if (deps.signals) for (const s of signalsOf(report, toMs)) deps.signals.publish(s);
}

/** Starts one timer per scheduled model; resolves the returned function once running evaluations finish. */
export function startScheduler(deps: SchedulerDeps): () => Promise<void> {
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let stopped = false;
  for (const model of deps.config.models) {
    const schedule = model.schedule;
    if (!schedule) continue;
    const tick = () => {
      if (stopped) return;
      const now = deps.now();
      const window = windowAt(schedule, now);
      const run = evaluateWindow(deps, model, window)
        .then(() => deps.logger.info('drift evaluated', { model: model.model, from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString() }))
        .catch((e) => {
          deps.gauges.failures.inc({ model: model.model });
          deps.logger.error('drift evaluation failed', { model: model.model, error: errorMessage(e) });
        })
        .finally(() => {
          running.delete(run);
          schedule_();
        });
      running.add(run);
    };
    // Next multiple of `every` (plus the delay) after now.
    const schedule_ = () => {
      if (stopped) return;
      const now = deps.now();
      const next = (Math.floor((now - (schedule.delay ?? 0)) / schedule.every) + 1) * schedule.every + (schedule.delay ?? 0);
      const t = setTimeout(() => {
        timers.delete(t);
        tick();
      }, Math.max(0, next - now));
      t.unref();
      timers.add(t);
    };
    schedule_();
  }
  return async () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    await Promise.allSettled([...running]);
  };
}
