import type { Store } from '../storage/store.js';
import type { PriceRow } from './prices.js';
import type { UsageRow } from './usage.js';

const COLUMNS = `hostname, uuid, gpu_i_id, model_name, gpu_i_profile, gpu_share, namespace, pod, labels, segment_from_ms, segment_to_ms,
  observed_ms, per_hour, gpu_hours, busy_gpu_hours, idle_gpu_hours, cost, busy_cost, idle_cost`;

/** Parameters of one usage query: the window, the previous period before it, and the integration rules. */
export interface UsageQuery {
  fromMs: number;
  endMs: number;
  previousFromMs: number;
  maxIntervalMs: number;
  idleThreshold: number;
}

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toUsageRow(r: Record<string, unknown>): UsageRow {
  return {
    hostname: String(r.hostname ?? ''),
    uuid: String(r.uuid ?? ''),
    gpuIId: String(r.gpu_i_id ?? ''),
    modelName: String(r.model_name ?? ''),
    gpuIProfile: String(r.gpu_i_profile ?? ''),
    gpuShare: numOrNull(r.gpu_share),
    namespace: String(r.namespace ?? ''),
    pod: String(r.pod ?? ''),
    labels: { ...((r.labels as Record<string, string> | null) ?? {}) },
    segmentFromMs: num(r.segment_from_ms),
    segmentToMs: num(r.segment_to_ms),
    observedMs: num(r.observed_ms),
    perHour: numOrNull(r.per_hour),
    gpuHours: numOrNull(r.gpu_hours),
    busyGpuHours: numOrNull(r.busy_gpu_hours),
    idleGpuHours: numOrNull(r.idle_gpu_hours),
    cost: numOrNull(r.cost),
    busyCost: numOrNull(r.busy_cost),
    idleCost: numOrNull(r.idle_cost),
  };
}

/** The views usage is read from: `cost_gpu_usage` reads the hourly rollups where they stand, `cost_gpu_usage_raw` only the samples. */
export type UsageView = 'cost_gpu_usage' | 'cost_gpu_usage_raw';

/** The statement queryUsage runs, with its parameters: the window and the previous period in one statement. */
export function usageStatement(db: string, q: UsageQuery, view: UsageView = 'cost_gpu_usage') {
  const from = (a: string, b: string) =>
    `${db}.${view}(from_ms = {${a}:Int64}, to_ms = {${b}:Int64}, max_interval_ms = {cap:Int64}, idle_threshold = {threshold:Float64})`;
  return {
    sql: `SELECT 1 AS current, ${COLUMNS} FROM ${from('from', 'end')}
     UNION ALL
     SELECT 0 AS current, ${COLUMNS} FROM ${from('previous', 'from')}`,
    params: { from: q.fromMs, end: q.endMs, previous: q.previousFromMs, cap: q.maxIntervalMs, threshold: q.idleThreshold },
  };
}

/** Reads usage for the window and the previous period in one statement, on the read-only session so that sinks keep inserting meanwhile. */
export async function queryUsage(store: Store, q: UsageQuery, view: UsageView = 'cost_gpu_usage'): Promise<{ current: UsageRow[]; previous: UsageRow[] }> {
  const { sql, params } = usageStatement(store.database, q, view);
  const res = await store.readOnlyQuery(sql, params);
  const current: UsageRow[] = [];
  const previous: UsageRow[] = [];
  for (const r of res.data) (Number(r.current) === 1 ? current : previous).push(toUsageRow(r));
  return { current, previous };
}

// GenAI token counts travel as these numeric features (collector/otlp/span-prediction.ts).
const INPUT_TOKENS = 'gen_ai.usage.input_tokens';
const OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';

/**
 * Distinct predictions per model in [previousFromMs, fromMs) and [fromMs, endMs), and the tokens
 * (input + output features) of the current window's distinct predictions: a prediction resent and
 * stored twice counts once, its tokens too. A model none of whose predictions carries a token
 * feature has no entry in `tokens`.
 */
export async function queryPredictions(store: Store, q: Pick<UsageQuery, 'fromMs' | 'endMs' | 'previousFromMs'>) {
  const res = await store.readOnlyQuery(
    `SELECT model, uniqExactIf(prediction_id, in_window) AS current, uniqExactIf(prediction_id, NOT in_window) AS previous,
       sumIf(n_tokens, in_window AND has_tokens) AS tokens, countIf(in_window AND has_tokens) AS with_tokens
     FROM (
       SELECT model, prediction_id, ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AS in_window,
         any(num_features[{input:String}] + num_features[{output:String}]) AS n_tokens,
         any(mapContains(num_features, {input:String}) OR mapContains(num_features, {output:String})) AS has_tokens
       FROM ${store.database}.predictions
       WHERE ts >= fromUnixTimestamp64Milli({previous:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({end:Int64}, 'UTC')
       GROUP BY model, prediction_id, in_window)
     GROUP BY model`,
    { from: q.fromMs, end: q.endMs, previous: q.previousFromMs, input: INPUT_TOKENS, output: OUTPUT_TOKENS },
  );
  return {
    current: new Map(res.data.map((r) => [String(r.model), Number(r.current)])),
    previous: new Map(res.data.map((r) => [String(r.model), Number(r.previous)])),
    tokens: new Map(res.data.filter((r) => Number(r.with_tokens) > 0).map((r) => [String(r.model), Number(r.tokens)])),
  };
}

/** Replaces the `cost_prices` table with the configured prices, so that ad-hoc SQL and dashboards price as the report does. */
export async function syncPrices(store: Store, rows: readonly PriceRow[]): Promise<void> {
  await store.command(`TRUNCATE TABLE IF EXISTS ${store.database}.cost_prices`);
  await store.insert('cost_prices', rows);
}
