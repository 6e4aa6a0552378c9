import type { Migration } from '../storage/migrations.js';
import { GPU_SHARE_SQL } from './mig.js';
import { FOREVER_MS } from './prices.js';

/** The DCGM fields that say how busy a GPU is, in order of preference (the first is a 0-1 ratio, the second a percentage). */
export const GR_ENGINE_ACTIVE = 'DCGM_FI_PROF_GR_ENGINE_ACTIVE';
export const GPU_UTIL = 'DCGM_FI_DEV_GPU_UTIL';

// One row per GPU unit (whole GPU or MIG instance) per scrape instant, with the two utilisation fields
// pivoted into columns: the report reads 1 narrow row per instant instead of every DCGM field. Rows of one
// instant arriving in separate inserts (and redelivered duplicates) fold together through any(), so
// readers use FINAL (cheap: daily partitions are merged down to a few parts). The keys are hashes,
// computed once at insert, because sorting and grouping 11M rows on strings was 3x slower (measured).
const utilTable = (db: string, days: number) => `CREATE TABLE IF NOT EXISTS ${db}.cost_gpu_util (
  gpu_key UInt64,
  ts DateTime64(3, 'UTC'),
  alloc_key SimpleAggregateFunction(any, UInt64),
  gr_active SimpleAggregateFunction(any, Nullable(Float64)),
  gpu_util SimpleAggregateFunction(any, Nullable(Float64))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (gpu_key, ts)
TTL toDateTime(ts) + INTERVAL ${days} DAY`;

// The names behind the keys: one row per GPU unit and allocation (namespace, pod, model, MIG profile).
const allocTable = (db: string, days: number) => `CREATE TABLE IF NOT EXISTS ${db}.cost_gpu_allocations (
  gpu_key UInt64,
  alloc_key UInt64,
  hostname SimpleAggregateFunction(any, LowCardinality(String)),
  uuid SimpleAggregateFunction(any, LowCardinality(String)),
  gpu_i_id SimpleAggregateFunction(any, LowCardinality(String)),
  model_name SimpleAggregateFunction(any, LowCardinality(String)),
  gpu_i_profile SimpleAggregateFunction(any, LowCardinality(String)),
  namespace SimpleAggregateFunction(any, LowCardinality(String)),
  pod SimpleAggregateFunction(any, LowCardinality(String)),
  first_seen SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
  last_seen SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
) ENGINE = AggregatingMergeTree
ORDER BY (gpu_key, alloc_key)
TTL toDateTime(last_seen) + INTERVAL ${days} DAY`;

export const UTIL_ROWS = `metric IN ('${GR_ENGINE_ACTIVE}', '${GPU_UTIL}') AND isFinite(value)`;
/** A sample's utilisation in [0, 1]: GR_ENGINE_ACTIVE when it has it, else GPU_UTIL / 100. */
export const UTIL_SQL = 'least(greatest(coalesce(gr_active, gpu_util / 100), 0), 1)';
const GPU_KEY = 'cityHash64(hostname, uuid, gpu_i_id)';
const ALLOC_KEY = 'cityHash64(namespace, pod, model_name, gpu_i_profile)';

const utilSelect = (db: string) => `SELECT ${GPU_KEY} AS gpu_key, ts, ${ALLOC_KEY} AS alloc_key,
  if(metric = '${GR_ENGINE_ACTIVE}', value, NULL) AS gr_active,
  if(metric = '${GPU_UTIL}', value, NULL) AS gpu_util
FROM ${db}.gpu_samples
WHERE ${UTIL_ROWS}`;

// The subquery keeps the names free: an alias hostname = any(hostname) would capture the key's hostname.
const allocSelect = (db: string) => `SELECT gpu_key, alloc_key, any(h) AS hostname, any(u) AS uuid, any(i) AS gpu_i_id, any(m) AS model_name,
  any(p) AS gpu_i_profile, any(n) AS namespace, any(o) AS pod, min(ts) AS first_seen, max(ts) AS last_seen
FROM (
  SELECT ${GPU_KEY} AS gpu_key, ${ALLOC_KEY} AS alloc_key, hostname AS h, uuid AS u, gpu_i_id AS i, model_name AS m,
    gpu_i_profile AS p, namespace AS n, pod AS o, ts
  FROM ${db}.gpu_samples
  WHERE ${UTIL_ROWS}
)
GROUP BY gpu_key, alloc_key`;

// Per sample instant: the interval it accounts for, [ts, min(next sample, ts + cap)), clipped to the window.
// Only samples from from_ms - cap can reach into the window; samples at or after to_ms are not needed
// because every interval is clipped to to_ms anyway. Names: join cost_gpu_allocations on (gpu_key, alloc_key).
const intervalsView = (db: string) => `CREATE VIEW IF NOT EXISTS ${db}.cost_gpu_intervals AS
SELECT gpu_key, alloc_key, ts, util, start_ms, end_ms, end_ms - start_ms AS observed_ms
FROM (
  SELECT gpu_key, alloc_key, ts, util,
    greatest(t, {from_ms:Int64}) AS start_ms,
    least(leadInFrame(t, 1, toInt64(${FOREVER_MS})) OVER (PARTITION BY gpu_key ORDER BY t ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING),
          t + {max_interval_ms:Int64}, {to_ms:Int64}) AS end_ms
  FROM (
    SELECT gpu_key, alloc_key, ts, toUnixTimestamp64Milli(ts) AS t, ${UTIL_SQL} AS util
    FROM ${db}.cost_gpu_util FINAL
    WHERE ts >= fromUnixTimestamp64Milli({from_ms:Int64} - {max_interval_ms:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
  )
)
WHERE end_ms > start_ms`;

// Per pod: the labels its utilisation series carry (pod labels, when dcgm-exporter or the scraper's
// relabelling attaches them), for grouping and team rules by label. A pod's labels rarely change; when
// they do, any one of its label sets is kept (folded by any(), like the allocation names).
const podLabelsTable = (db: string, days: number) => `CREATE TABLE IF NOT EXISTS ${db}.cost_pod_labels (
  namespace LowCardinality(String),
  pod String,
  labels SimpleAggregateFunction(any, Map(String, String)),
  first_seen SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
  last_seen SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
) ENGINE = AggregatingMergeTree
ORDER BY (namespace, pod)
TTL toDateTime(last_seen) + INTERVAL ${days} DAY`;

const podLabelsSelect = (db: string) => `SELECT namespace, pod, any(labels) AS labels, min(ts) AS first_seen, max(ts) AS last_seen
FROM ${db}.gpu_samples
WHERE ${UTIL_ROWS} AND pod != ''
GROUP BY namespace, pod`;

// Per GPU unit, allocation and price segment: observed, busy and idle time, the price and the cost.
// Segments are the window split at every price boundary, so that one price holds for each row.
// Migration 100 created it without `labels`; migration 110 replaces it with them; migration 120 makes it read the
// hourly rollups (rollup.ts) and keeps this definition as `cost_gpu_usage_raw`.
/** The window [from_ms, to_ms) cut at every price boundary inside it: sorted, from and to included. */
export const cutsSql = (db: string) => `(SELECT arraySort(arrayDistinct(arrayConcat([{from_ms:Int64}, {to_ms:Int64}],
     arrayFilter(c -> c > {from_ms:Int64} AND c < {to_ms:Int64}, arrayConcat(groupArray(valid_from_ms), groupArray(valid_to_ms))))))
   FROM ${db}.cost_prices)`;

/** Per GPU unit, allocation and price segment (`seg`, an index into `cuts`): observed, busy and low-utilisation ms, integrated from the samples. */
export const rawUsageSource = (db: string) => `
    SELECT gpu_key, alloc_key, seg,
      sum(piece_ms) AS observed_ms,
      sum(piece_ms * util) AS busy_ms,
      sumIf(piece_ms, util < {idle_threshold:Float64}) AS low_ms
    FROM (
      SELECT gpu_key, alloc_key, util,
        arrayJoin(if(length(cuts) = 2, [1], arrayFilter(j -> cuts[j] < end_ms AND cuts[j + 1] > start_ms, range(1, length(cuts))))) AS seg,
        least(end_ms, cuts[seg + 1]) - greatest(start_ms, cuts[seg]) AS piece_ms
      FROM ${db}.cost_gpu_intervals(from_ms = {from_ms:Int64}, to_ms = {to_ms:Int64}, max_interval_ms = {max_interval_ms:Int64})
    )
    GROUP BY gpu_key, alloc_key, seg`;

/** How a usage view integrates: its name, the per-segment source and any scalars that source needs beside `cuts` and `prices`. */
export interface UsageSource {
  name: string;
  source: string;
  with?: string;
}

export const usageView = (db: string, withLabels: boolean, src: UsageSource = { name: 'cost_gpu_usage', source: rawUsageSource(db) }) => `CREATE VIEW IF NOT EXISTS ${db}.${src.name} AS
WITH
  ${cutsSql(db)} AS cuts,
  (SELECT groupArray((gpu_model, valid_from_ms, valid_to_ms, per_hour)) FROM ${db}.cost_prices) AS prices${src.with ? `,
  ${src.with}` : ''}
SELECT hostname, uuid, gpu_i_id, model_name, gpu_i_profile, gpu_share, namespace, pod,${withLabels ? ' labels,' : ''}
  cuts[seg] AS segment_from_ms, cuts[seg + 1] AS segment_to_ms,
  observed_ms, busy_ms, idle_ms, per_hour,
  observed_ms * gpu_share / 3600000 AS gpu_hours,
  busy_ms * gpu_share / 3600000 AS busy_gpu_hours,
  idle_ms * gpu_share / 3600000 AS idle_gpu_hours,
  gpu_hours * per_hour AS cost,
  busy_gpu_hours * per_hour AS busy_cost,
  idle_gpu_hours * per_hour AS idle_cost
FROM (
  SELECT u.*, a.hostname, a.uuid, a.gpu_i_id, a.model_name, a.gpu_i_profile, a.namespace, a.pod,${withLabels ? ' l.pod_labels AS labels,' : ''}
    ${GPU_SHARE_SQL.replace(/gpu_i_profile|model_name/g, 'a.$&')} AS gpu_share,
    if(a.pod != '', u.low_ms, 0) AS idle_ms,
    arrayFirstIndex(p -> p.1 = a.model_name AND p.2 <= cuts[seg] AND cuts[seg] < p.3, prices) AS own,
    arrayFirstIndex(p -> p.1 = '' AND p.2 <= cuts[seg] AND cuts[seg] < p.3, prices) AS dflt,
    if(own > 0, prices[own].4, if(dflt > 0, prices[dflt].4, NULL)) AS per_hour
  FROM (${src.source}
  ) AS u
  LEFT JOIN (
    SELECT gpu_key, alloc_key, any(hostname) AS hostname, any(uuid) AS uuid, any(gpu_i_id) AS gpu_i_id, any(model_name) AS model_name,
      any(gpu_i_profile) AS gpu_i_profile, any(namespace) AS namespace, any(pod) AS pod
    FROM ${db}.cost_gpu_allocations
    -- Any unmerged row of an allocation seen in the window spans one of its samples there, so this keeps its names.
    WHERE last_seen >= fromUnixTimestamp64Milli({from_ms:Int64} - {max_interval_ms:Int64}, 'UTC') AND first_seen < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
    GROUP BY gpu_key, alloc_key
  ) AS a ON u.gpu_key = a.gpu_key AND u.alloc_key = a.alloc_key${
    withLabels
      ? `
  LEFT JOIN (
    SELECT namespace AS label_namespace, pod AS label_pod, any(labels) AS pod_labels
    FROM ${db}.cost_pod_labels
    WHERE last_seen >= fromUnixTimestamp64Milli({from_ms:Int64} - {max_interval_ms:Int64}, 'UTC') AND first_seen < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
    GROUP BY namespace, pod
  ) AS l ON a.namespace = l.label_namespace AND a.pod = l.label_pod`
      : ''
  }
)`;

/** Migrations 100 and 110 (the module's full list is in migrations.ts); every statement can be re-run. */
export const SAMPLE_MIGRATIONS: Migration[] = [
  {
    id: 100,
    name: 'cost: utilisation samples, prices, interval and usage views',
    // Cluster mode: gpu_key is the hash gpu_samples shards by, so the back-fill below (through the
    // Distributed tables) puts each row on the shard where the materialized views write its twins,
    // and FINAL, which folds per shard, folds them together.
    shardingKeys: { cost_gpu_util: 'gpu_key', cost_gpu_allocations: 'gpu_key' },
    statements: (db, r) => [
      utilTable(db, r.gpuSamples),
      allocTable(db, r.gpuSamples),
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.cost_gpu_util_mv TO ${db}.cost_gpu_util AS ${utilSelect(db)}`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.cost_gpu_allocations_mv TO ${db}.cost_gpu_allocations AS ${allocSelect(db)}`,
      // Samples stored before this migration; re-running it only repeats rows that any(), min() and max() fold away.
      `INSERT INTO ${db}.cost_gpu_util ${utilSelect(db)}`,
      `INSERT INTO ${db}.cost_gpu_allocations ${allocSelect(db)}`,
      `CREATE TABLE IF NOT EXISTS ${db}.cost_prices (
        gpu_model String,
        valid_from_ms Int64,
        valid_to_ms Int64,
        per_hour Float64
      ) ENGINE = MergeTree ORDER BY (gpu_model, valid_from_ms)`,
      intervalsView(db),
      usageView(db, false),
    ],
  },
  {
    id: 110,
    name: 'cost: pod labels, usage view with labels',
    statements: (db, r) => [
      podLabelsTable(db, r.gpuSamples),
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.cost_pod_labels_mv TO ${db}.cost_pod_labels AS ${podLabelsSelect(db)}`,
      // Samples stored before this migration; a re-run only repeats rows that any(), min() and max() fold away.
      `INSERT INTO ${db}.cost_pod_labels ${podLabelsSelect(db)}`,
      `DROP VIEW IF EXISTS ${db}.cost_gpu_usage`,
      usageView(db, true),
    ],
  },
];
