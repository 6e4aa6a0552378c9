/**
 * When a scheduled window is due: the watermark, and re-evaluation when late data arrives.
 *
 * A window [from, to) is first evaluated once now >= to + allowed lateness (`windowAt`). Events may
 * still arrive after that (a slow producer, labels that come days later, a Kafka backlog), so each
 * evaluation records a **fingerprint** of the data it saw in `drift_evaluations`; at every run the
 * scheduler recomputes the fingerprints of the model's last `reevaluateLast` evaluated windows in
 * one query and evaluates again each window whose data changed.
 *
 * The fingerprint of a window: the number of distinct predictions in it, the number of those with
 * a label, and the newest `received_at` among both. A new prediction or a first label raises a
 * count even when its `received_at` is older than what was seen (an event accepted earlier but
 * stored later, e.g. behind a Kafka backlog); a corrected label (labels keep the newest
 * `received_at` per prediction) moves the newest time. Redelivered duplicates change nothing, and
 * neither do merges, since counts are distinct ids. It is taken *before* the window is read, so
 * data stored during an evaluation shows as a change at the next run. Not covered: a reference
 * window that changes after its current window was evaluated (references are older, settled data
 * or an explicit upload).
 */
import type { Store } from '../../storage/store.js';
import type { DriftModelConfig } from '../config.js';

export interface Window {
  fromMs: number;
  toMs: number;
}

export interface Evaluation extends Window {
  fingerprint: string;
}

/**
 * The newest window due at `nowMs`: it ends at the last multiple of `every` (epoch-aligned) that is
 * at least `allowedLatenessMs` ago, and is `window` long (default `every`).
 */
export function windowAt(schedule: NonNullable<DriftModelConfig['schedule']>, nowMs: number, allowedLatenessMs = 0): Window {
  const toMs = Math.floor((nowMs - allowedLatenessMs) / schedule.every) * schedule.every;
  return { fromMs: toMs - (schedule.window ?? schedule.every), toMs };
}

/** When the window after the one due at `nowMs` becomes due. */
export function nextDueAt(schedule: NonNullable<DriftModelConfig['schedule']>, nowMs: number, allowedLatenessMs = 0): number {
  return windowAt(schedule, nowMs, allowedLatenessMs).toMs + schedule.every + allowedLatenessMs;
}

const same = (a: Window, b: Window) => a.fromMs === b.fromMs && a.toMs === b.toMs;

/**
 * The windows to evaluate now, in order: the newest due window unless it was evaluated already,
 * then every watched window whose data changed since its evaluation (`current[i]` is the
 * fingerprint now of `watched[i]`), newest first.
 */
export function dueWindows(latest: Window, evaluated: Evaluation[], watched: Evaluation[], current: string[]): Window[] {
  const due: Window[] = evaluated.some((e) => same(e, latest)) ? [] : [latest];
  watched.forEach((e, i) => {
    if (current[i] !== e.fingerprint && !due.some((d) => same(d, e))) due.push({ fromMs: e.fromMs, toMs: e.toMs });
  });
  return due;
}

const IN_RANGE = `model = {m:String} AND ts >= fromUnixTimestamp64Milli({lo:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({hi:Int64}, 'UTC')`;

/** The fingerprint (see above) of each window's data now, in the order given; one query for all. */
export async function windowFingerprints(store: Pick<Store, 'database' | 'query'>, model: string, windows: Window[]): Promise<string[]> {
  if (windows.length === 0) return [];
  const db = store.database;
  const lo = Math.min(...windows.map((w) => w.fromMs));
  const hi = Math.max(...windows.map((w) => w.toMs));
  // Every row is read once and counted in each window that holds it (windows may overlap).
  const rows = await store.query<{ i: number | string; preds: number | string; labelled: number | string; last: number | string }>(
    `SELECT i, uniqExactIf(pid, k = 0) AS preds, uniqExactIf(pid, k = 1) AS labelled, max(r) AS last
     FROM (
       SELECT 0 AS k, prediction_id AS pid, toUnixTimestamp64Milli(ts) AS t, toUnixTimestamp64Milli(received_at) AS r
         FROM ${db}.predictions WHERE ${IN_RANGE}
       UNION ALL
       SELECT 1 AS k, prediction_id AS pid, toUnixTimestamp64Milli(p.ts) AS t, toUnixTimestamp64Milli(l.received_at) AS r
         FROM (SELECT prediction_id, ts FROM ${db}.predictions WHERE ${IN_RANGE}) AS p
         INNER JOIN (SELECT prediction_id, received_at FROM ${db}.labels WHERE model = {m:String}) AS l USING (prediction_id)
     )
     ARRAY JOIN arrayFilter(j -> t >= {froms:Array(Int64)}[j] AND t < {tos:Array(Int64)}[j], arrayEnumerate({froms:Array(Int64)})) AS i
     GROUP BY i`,
    { m: model, lo, hi, froms: windows.map((w) => w.fromMs), tos: windows.map((w) => w.toMs) },
  );
  const out = windows.map(() => '0/0/0');
  for (const r of rows) out[Number(r.i) - 1] = `${Number(r.preds)}/${Number(r.labelled)}/${Number(r.last)}`;
  return out;
}

/** The model's last `n` evaluated windows, newest first. */
export async function recentEvaluations(store: Pick<Store, 'database' | 'query'>, model: string, n: number): Promise<Evaluation[]> {
  if (n <= 0) return [];
  const rows = await store.query<{ f: number | string; t: number | string; fingerprint: string }>(
    `SELECT toUnixTimestamp64Milli(window_start) AS f, toUnixTimestamp64Milli(window_end) AS t, fingerprint
     FROM ${store.database}.drift_evaluations FINAL
     WHERE model = {m:String}
     ORDER BY window_end DESC, window_start DESC
     LIMIT {n:UInt32}`,
    { m: model, n },
  );
  return rows.map((r) => ({ fromMs: Number(r.f), toMs: Number(r.t), fingerprint: r.fingerprint }));
}
