/**
 * Scheduled drift evaluation. Each model with `schedule` in config runs once per `every`; a run
 * evaluates the newest window whose data has settled (its end at least the allowed lateness ago,
 * settle.ts `windowAt`) and re-evaluates the model's recent windows that late data changed
 * (settle.ts). Results go to `drift_results` (per segment: `drift_segment_results`), written so
 * that readers never see a window half-written (write.ts); then the gauges and, when wired, the
 * alerting module's signal sink. Runs of one model never overlap; a failed evaluation is logged and
 * counted, and the next one runs on time.
 */
import type { Logger } from '../../core/log.js';
import { errorMessage } from '../../core/errors.js';
import type { Store } from '../../storage/store.js';
import type { DriftConfig, DriftModelConfig } from '../config.js';
import { modelQuality, type QualityReport } from '../quality/quality.js';
import { driftReport } from '../report/report.js';
import type { DriftReport } from '../report/types.js';
import { signalsOf, type SignalSink } from '../signals.js';
import { updateGauges, type DriftGauges } from './gauges.js';
import { estimatedRows, qualityRows, resultRows } from './results.js';
import { dueWindows, nextDueAt, recentEvaluations, windowAt, windowFingerprints, type Window } from './settle.js';
import { writeEvaluation } from './write.js';

export { windowAt } from './settle.js';

export interface SchedulerDeps {
  store: Store;
  config: DriftConfig;
  logger: Logger;
  now: () => number;
  gauges: DriftGauges;
  /** In-process sink of the alerting module, if wired; alerting also reads drift_results itself. */
  signals?: SignalSink;
}

/** A model's allowed lateness: its `schedule.delay`, else `drift.schedule.allowedLatenessMs`. */
export function latenessOf(config: DriftConfig, model: DriftModelConfig): number {
  return model.schedule?.delay ?? config.schedule.allowedLatenessMs;
}

/** Evaluates one window of one model and stores, exports and signals the outcome. */
export async function evaluateWindow(deps: SchedulerDeps, model: DriftModelConfig, window: Window): Promise<void> {
  const { store, config } = deps;
  const { fromMs, toMs } = window;
  // Taken before the window is read: whatever is stored meanwhile shows as a change next run.
  const [fingerprint] = await windowFingerprints(store, model.model, [window]);
  const report = await driftReport({ store, config }, { model: model.model, ...window });
  const quality = await modelQuality(store, model, { model: model.model, ...window, estimate: true });
  const segmented: { name: string; drift: DriftReport; quality: QualityReport }[] = [];
  for (const name of model.schedule?.segments ?? []) {
    const drift = await driftReport({ store, config }, { model: model.model, ...window, segmentBy: name });
    const q = await modelQuality(store, model, { model: model.model, ...window, segmentBy: name });
    segmented.push({ name, drift, quality: q });
  }
  await writeEvaluation(store, model.model, window, fingerprint!, deps.now(), (at) => ({
    main: [
      ...resultRows(report, fromMs, toMs, at),
      ...qualityRows(model.model, quality.overall, null, fromMs, toMs, at),
      ...(quality.estimated ? estimatedRows(model.model, quality.estimated, model.estimated?.minimum ?? {}, fromMs, toMs, at) : []),
    ],
    segments: segmented.flatMap(({ name, drift, quality: q }) => [
      ...(drift.segments?.values ?? []).flatMap((s) => resultRows(s, fromMs, toMs, at)),
      ...(q.segments?.values ?? []).flatMap((g) => qualityRows(model.model, g, { name, value: g.segment ?? '' }, fromMs, toMs, at)),
    ]),
  }));
  updateGauges(deps.gauges, report, quality, toMs);
  if (deps.signals) for (const s of signalsOf(report, toMs)) deps.signals.publish(s);
}

/**
 * One run of a model's schedule at `deps.now()`: evaluates the newest settled window unless done,
 * and re-evaluates each of the last `drift.schedule.reevaluateLast` evaluated windows whose data
 * changed since (settle.ts). Returns the windows evaluated; a window that fails is logged and
 * counted and the others still run. Stops between windows once `stopped()` says so.
 */
export async function runSchedule(deps: SchedulerDeps, model: DriftModelConfig, stopped: () => boolean = () => false): Promise<Window[]> {
  const schedule = model.schedule;
  if (!schedule) return [];
  const latest = windowAt(schedule, deps.now(), latenessOf(deps.config, model));
  const n = deps.config.schedule.reevaluateLast;
  const evaluated = await recentEvaluations(deps.store, model.model, Math.max(1, n));
  const watched = evaluated.slice(0, n);
  const due = dueWindows(latest, evaluated, watched, await windowFingerprints(deps.store, model.model, watched));
  const done: Window[] = [];
  for (const w of due) {
    if (stopped()) break;
    const fields = { model: model.model, from: new Date(w.fromMs).toISOString(), to: new Date(w.toMs).toISOString(), reevaluation: w !== latest };
    try {
      await evaluateWindow(deps, model, w);
      done.push(w);
      deps.logger.info('drift evaluated', fields);
    } catch (e) {
      deps.gauges.failures.inc({ model: model.model });
      deps.logger.error('drift evaluation failed', { ...fields, error: errorMessage(e) });
    }
  }
  return done;
}

/** Starts one timer per scheduled model; resolves the returned function once running evaluations finish. */
export function startScheduler(deps: SchedulerDeps): () => Promise<void> {
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<unknown>>();
  let stopped = false;
  for (const model of deps.config.models) {
    const schedule = model.schedule;
    if (!schedule) continue;
    const lateness = latenessOf(deps.config, model);
    const tick = () => {
      if (stopped) return;
      const run = runSchedule(deps, model, () => stopped)
        .catch((e) => {
          // The look-up of what is due failed (storage down); the next run tries again.
          deps.gauges.failures.inc({ model: model.model });
          deps.logger.error('drift schedule run failed', { model: model.model, error: errorMessage(e) });
        })
        .finally(() => {
          running.delete(run);
          next();
        });
      running.add(run);
    };
    // When the next window becomes due (its end plus the allowed lateness).
    const next = () => {
      if (stopped) return;
      const now = deps.now();
      const t = setTimeout(() => {
        timers.delete(t);
        tick();
      }, Math.max(0, nextDueAt(schedule, now, lateness) - now));
      t.unref();
      timers.add(t);
    };
    next();
  }
  return async () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    await Promise.allSettled([...running]);
  };
}
