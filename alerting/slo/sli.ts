import type { Store } from '../../storage/store.js';
import type { SloConfig } from '../config.js';
import { staleMs } from './math.js';

/** Bad and total events (or milliseconds, for freshness) of one SLI over one window ending now. */
export interface WindowCount {
  windowMs: number;
  bad: number;
  total: number;
}

// A prediction with status no_response (a request whose response never came, e.g. from KServe's
// logger) is neither good nor bad: it is left out of both counts of every SLI, so it neither spends
// the error budget nor dilutes it. Nothing about the model's answer is known.
// Windows are half-open, (now − window, now]: an event exactly one window old has left it, an event at
// `now` is in it. Each query counts every window of a whole SLI family at once, over one scan, with
// sumForEach over the per-row array of "is this row inside window i" flags. The database name is a
// validated identifier (storage/clickhouse.ts); every value goes through parameters.
const AVAILABILITY = (db: string) => `
SELECT model,
  sumForEach(arrayMap(s -> toUInt64(t > s), {starts:Array(Int64)})) AS total,
  sumForEach(arrayMap(s -> toUInt64(t > s AND status != 'ok'), {starts:Array(Int64)})) AS bad
FROM (SELECT model, toUnixTimestamp64Milli(ts) AS t, status FROM ${db}.predictions FINAL
      WHERE model IN {models:Array(String)} AND status != 'no_response'
        AND ts > fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({now:Int64}))
GROUP BY model`;

// Latency and time to first token share one query over their column: rows without a value (a
// prediction whose server sent no TTFT, e.g. a non-streaming call) count as neither good nor bad.
const TIMED = (db: string, column: 'latency_ms' | 'ttft_ms') => `
SELECT model,
  sumForEach(arrayMap(s -> toUInt64(t > s), {starts:Array(Int64)})) AS total,
  sumForEach(arrayMap(s -> toUInt64(t > s AND took > {threshold:Float64}), {starts:Array(Int64)})) AS bad
FROM (SELECT model, toUnixTimestamp64Milli(ts) AS t, assumeNotNull(${column}) AS took FROM ${db}.predictions FINAL
      WHERE model IN {models:Array(String)} AND ${column} IS NOT NULL AND status != 'no_response'
        AND ts > fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({now:Int64}))
GROUP BY model`;

/** The SLI types counted over a duration column of predictions, with the column each reads. */
const TIMED_COLUMN = { latency: 'latency_ms', ttft: 'ttft_ms' } as const;

const SUCCESSES = (db: string) => `
SELECT pipeline, arraySort(groupArray(t)) AS ts
FROM (SELECT pipeline, toUnixTimestamp64Milli(ts) AS t FROM ${db}.pipeline_events FINAL
      WHERE pipeline IN {pipelines:Array(String)} AND task = '' AND status = 'succeeded'
        AND ts > fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({now:Int64}))
GROUP BY pipeline`;

type Row = { model: string; total: (number | string)[]; bad: (number | string)[] };

/**
 * Counts bad and total events of each SLO over each of `windowsMs` ending at `now`, with one query per
 * SLI family (availability; latency and TTFT per threshold; freshness). Returns counts keyed by SLO name.
 */
export async function countWindows(
  store: Store,
  slos: readonly SloConfig[],
  windowsMs: readonly number[],
  now: number,
  maxGapOf: (pipeline: string) => number,
): Promise<Map<string, WindowCount[]>> {
  const out = new Map<string, WindowCount[]>();
  const longest = Math.max(...windowsMs);
  const starts = windowsMs.map((w) => now - w);
  const base = { starts, from: now - longest, now };
  const zero = () => windowsMs.map((windowMs) => ({ windowMs, bad: 0, total: 0 }));
  const fill = (rows: Row[], forModel: (model: string) => SloConfig[]) => {
    for (const r of rows) {
      for (const s of forModel(r.model)) out.set(s.name, windowsMs.map((windowMs, i) => ({ windowMs, bad: Number(r.bad[i]), total: Number(r.total[i]) })));
    }
  };

  const avail = slos.filter((s) => s.sli.type === 'availability');
  if (avail.length) {
    const models = [...new Set(avail.map((s) => (s.sli as { model: string }).model))];
    fill(await store.query<Row>(AVAILABILITY(store.database), { ...base, models }), (m) => avail.filter((s) => (s.sli as { model: string }).model === m));
  }
  for (const [type, column] of Object.entries(TIMED_COLUMN) as [keyof typeof TIMED_COLUMN, (typeof TIMED_COLUMN)[keyof typeof TIMED_COLUMN]][]) {
    const byThreshold = new Map<number, SloConfig[]>();
    for (const s of slos) if (s.sli.type === type) byThreshold.set(s.sli.thresholdMs, [...(byThreshold.get(s.sli.thresholdMs) ?? []), s]);
    for (const [threshold, group] of byThreshold) {
      const models = [...new Set(group.map((s) => (s.sli as { model: string }).model))];
      fill(await store.query<Row>(TIMED(store.database, column), { ...base, models, threshold }), (m) => group.filter((s) => (s.sli as { model: string }).model === m));
    }
  }
  const fresh = slos.filter((s) => s.sli.type === 'freshness');
  if (fresh.length) {
    const pipelines = [...new Set(fresh.map((s) => (s.sli as { pipeline: string }).pipeline))];
    const maxGap = Math.max(...pipelines.map(maxGapOf));
    const rows = await store.query<{ pipeline: string; ts: (number | string)[] }>(SUCCESSES(store.database), { ...base, pipelines, from: now - longest - maxGap });
    const byPipeline = new Map(rows.map((r) => [r.pipeline, r.ts.map(Number)]));
    for (const s of fresh) {
      const p = (s.sli as { pipeline: string }).pipeline;
      const succ = byPipeline.get(p) ?? [];
      // Freshness counts time, not events: total = window length, bad = stale milliseconds in it.
      out.set(s.name, windowsMs.map((windowMs) => ({ windowMs, total: windowMs, bad: staleMs(succ, maxGapOf(p), now - windowMs, now) })));
    }
  }
  for (const s of slos) if (!out.has(s.name)) out.set(s.name, zero());
  return out;
}
