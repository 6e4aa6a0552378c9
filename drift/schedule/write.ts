/**
 * Writes one evaluation of a window so that readers never see it half-written:
 *
 * 1. `drift_segment_results`: the per-segment rows, one insert;
 * 2. `drift_results`: the model's rows (features, `missing`, `@dataset`, `@quality`), one insert;
 * 3. `drift_evaluations`: the fingerprint of the data evaluated, which also marks the evaluation
 *    complete for the scheduler.
 *
 * One insert of a few thousand rows into one partition (both tables are partitioned by the
 * window's month) is one part, which a query sees whole or not at all. Segments go first, so a
 * reader that finds a window in `drift_results` finds its segments as well. A re-evaluation
 * retires, in the same insert, the rows of the earlier evaluation it does not write again
 * (results.ts `supersededRows`), and its `computed_at` is later than any row of the window, so
 * FINAL shows the newest evaluation whole, not a mix of two.
 */
import type { Store } from '../../storage/store.js';
import type { Window } from './settle.js';
import { supersededRows, SUPERSEDED, type ResultKey } from './results.js';

const dt = (ms: number) => (ms / 1000).toFixed(3);

interface Previous {
  /** Live (not superseded) keys in drift_results / drift_segment_results. */
  keys: ResultKey[];
  segmentKeys: ResultKey[];
  /** Newest computed_at of any row of the window, -Infinity when there is none. */
  lastComputedAtMs: number;
}

/** What earlier evaluations of the window left in the two result tables. */
async function previousResults(store: Pick<Store, 'database' | 'query'>, model: string, w: Window): Promise<Previous> {
  const db = store.database;
  const where = `model = {m:String} AND window_start = fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND window_end = fromUnixTimestamp64Milli({to:Int64}, 'UTC')`;
  const rows = await store.query<{ seg: number | string; segment_name: string; segment_value: string; feature: string; method: string; kind: string; status: string; at: number | string }>(
    `SELECT 0 AS seg, '' AS segment_name, '' AS segment_value, toString(feature) AS feature, toString(method) AS method, toString(kind) AS kind, toString(status) AS status, toUnixTimestamp64Milli(computed_at) AS at
       FROM ${db}.drift_results FINAL WHERE ${where}
     UNION ALL
     SELECT 1 AS seg, toString(segment_name), segment_value, toString(feature), toString(method), toString(kind), toString(status), toUnixTimestamp64Milli(computed_at)
       FROM ${db}.drift_segment_results FINAL WHERE ${where}`,
    { m: model, from: w.fromMs, to: w.toMs },
  );
  const prev: Previous = { keys: [], segmentKeys: [], lastComputedAtMs: -Infinity };
  for (const r of rows) {
    prev.lastComputedAtMs = Math.max(prev.lastComputedAtMs, Number(r.at));
    if (r.status === SUPERSEDED) continue;
    if (Number(r.seg) === 1) prev.segmentKeys.push({ feature: r.feature, method: r.method, kind: r.kind, segment_name: r.segment_name, segment_value: r.segment_value });
    else prev.keys.push({ feature: r.feature, method: r.method, kind: r.kind });
  }
  return prev;
}

/**
 * Stores one evaluation of `window` (see above). `rows` builds the result rows for the
 * `computed_at` chosen here: now, or just after the window's newest stored row if the clock says
 * otherwise, so the new evaluation wins. Returns that `computed_at`.
 */
export async function writeEvaluation(
  store: Pick<Store, 'database' | 'query' | 'insert'>,
  model: string,
  window: Window,
  fingerprint: string,
  nowMs: number,
  rows: (computedAtMs: number) => { main: object[]; segments: object[] },
): Promise<number> {
  const prev = await previousResults(store, model, window);
  const at = Math.max(nowMs, prev.lastComputedAtMs + 1);
  const { main, segments } = rows(at);
  const { fromMs, toMs } = window;
  await store.insert('drift_segment_results', [...segments, ...supersededRows(prev.segmentKeys, segments, model, fromMs, toMs, at)]);
  await store.insert('drift_results', [...main, ...supersededRows(prev.keys, main, model, fromMs, toMs, at)]);
  await store.insert('drift_evaluations', [{ model, window_start: dt(fromMs), window_end: dt(toMs), fingerprint, evaluated_at: dt(at) }]);
  return at;
}
