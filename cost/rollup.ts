import type { Migration } from '../storage/migrations.js';
import type { Store } from '../storage/store.js';
import { FOREVER_MS } from './prices.js';
import { UTIL_ROWS, UTIL_SQL, cutsSql, rawUsageSource, usageView } from './sql.js';

// Hourly rollups: the report's cost grows with GPUs x hours instead of samples.
//
// A sample accounts for the time to the next one, which usually arrives in a later insert, so a
// materialised view (it sees one insert block) cannot integrate it. What the views maintain at insert
// is how many utilisation samples each hour holds (`cost_gpu_util_hours`); a sealing job integrates
// complete hours from `cost_gpu_util` into `cost_gpu_hourly`, one row per hour, GPU unit and
// allocation, labelled with the number of samples of that hour and the hour before that it saw (the
// only samples whose intervals reach into the hour, as long as the cap is at most an hour). An hour's
// rows stand while the insert-time count says the same; a late or resent sample changes the count and
// the report integrates that hour from the samples again until the job seals it anew. So a rollup is
// never stale, only absent, and reports equal the raw path whatever the job has done.
//
// The label is counted in the very read that integrates the hour (`samples` sums the rows folded into
// each cost_gpu_util row), so a seal cannot mix the samples of one instant with the count of another.

export const HOUR_MS = 3_600_000;
const SEAL_GRACE_MS = 120_000;

const hoursTable = (db: string, days: number) => `CREATE TABLE IF NOT EXISTS ${db}.cost_gpu_util_hours (
  hour DateTime('UTC'),
  samples SimpleAggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
ORDER BY hour
TTL hour + INTERVAL ${days} DAY`;

// gpu_key 0 is an hour's seal: written after its rows (sorted last in the insert), read to decide
// whether the hour's rows stand. Rows of an older seal of the same hour differ in `samples` and are ignored.
const hourlyTable = (db: string, days: number) => `CREATE TABLE IF NOT EXISTS ${db}.cost_gpu_hourly (
  max_interval_ms Int64,
  idle_threshold Float64,
  hour DateTime('UTC'),
  samples UInt64,
  gpu_key UInt64,
  alloc_key UInt64,
  observed_ms Int64,
  busy_ms Float64,
  low_ms Int64
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (max_interval_ms, idle_threshold, hour, samples, gpu_key, alloc_key)
TTL hour + INTERVAL ${days} DAY`;

/**
 * Hours [lo, hi) integrated from the samples, each row labelled with the samples of its hour and the
 * one before as counted in this read. Each sample's interval is split at the hour; the sample also
 * counts towards the next hour's label, whose first interval it may cover.
 */
const sealSql = (db: string) => `INSERT INTO ${db}.cost_gpu_hourly (max_interval_ms, idle_threshold, hour, samples, gpu_key, alloc_key, observed_ms, busy_ms, low_ms)
SELECT {cap:Int64}, {threshold:Float64}, toDateTime(intDiv(h, 1000), 'UTC'), hour_samples,
  if(seal, 0, gpu_key), if(seal, 0, alloc_key), if(seal, 0, observed_ms), if(seal, 0, busy_ms), if(seal, 0, low_ms)
FROM (
  SELECT h, gpu_key, alloc_key, sum(piece_ms) AS observed_ms, sum(piece_ms * util) AS busy_ms, sumIf(piece_ms, util < {threshold:Float64}) AS low_ms,
    sum(sum(n)) OVER (PARTITION BY h) AS hour_samples,
    row_number() OVER (PARTITION BY h) AS nth
  FROM (
    SELECT gpu_key, alloc_key, util, n,
      arrayJoin([intDiv(t, ${HOUR_MS}) * ${HOUR_MS}, intDiv(t, ${HOUR_MS}) * ${HOUR_MS} + ${HOUR_MS}]) AS h,
      greatest(toInt64(0), least(end_ms, h + ${HOUR_MS}) - greatest(t, h)) AS piece_ms
    FROM (
      SELECT gpu_key, alloc_key, t, util, n,
        least(leadInFrame(t, 1, toInt64(${FOREVER_MS})) OVER (PARTITION BY gpu_key ORDER BY t ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING), t + {cap:Int64}) AS end_ms
      FROM (
        SELECT gpu_key, alloc_key, toUnixTimestamp64Milli(ts) AS t, ${UTIL_SQL} AS util, samples AS n
        FROM ${db}.cost_gpu_util FINAL
        WHERE ts >= fromUnixTimestamp64Milli({lo:Int64} - ${HOUR_MS}, 'UTC') AND ts < fromUnixTimestamp64Milli({hi:Int64}, 'UTC')
      )
    )
  )
  WHERE h >= {lo:Int64} AND h < {hi:Int64}
  GROUP BY h, gpu_key, alloc_key
)
ARRAY JOIN if(nth = 1, [0, 1], [0]) AS seal
WHERE seal = 1 OR observed_ms > 0
ORDER BY seal, h`;

// Hours as ms. `sealed_pairs` holds (hour, label) of every hour whose rollup stands for this window and
// rules, `sealed_hours` the same hours: constants of the statement, looked up with IN (a hash set; an
// array indexed per row would be copied per row).
const H = HOUR_MS;
const hourMs = (dt: string) => `toInt64(toUnixTimestamp(${dt})) * 1000`;
const hourOf = (ms: string) => `intDiv(${ms}, ${H}) * ${H}`;
/** Whether the time from hour `ms` on needs no samples from before it: the window ends by then, or the hour is sealed. */
const coveredAfter = (ms: string, sealed: string) => `(${ms} >= {to_ms:Int64} OR ${sealed})`;

// An hour's rollup stands when it lies wholly in the window with one price throughout, the cap is at
// most an hour, and its seal's label equals the samples now stored in it and the hour before.
export const standingSql = (db: string) => `
    SELECT ${hourMs('hour')} AS h, samples
    FROM (
      SELECT DISTINCT hour, samples FROM ${db}.cost_gpu_hourly
      WHERE max_interval_ms = {max_interval_ms:Int64} AND idle_threshold = {idle_threshold:Float64} AND gpu_key = 0
        AND {max_interval_ms:Int64} <= ${H}
        AND hour >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AND hour <= fromUnixTimestamp64Milli({to_ms:Int64} - ${H}, 'UTC')
    )
    WHERE NOT arrayExists(c -> c > h AND c < h + ${H}, ${cutsSql(db)})
      AND (hour, samples) IN (
        SELECT hour, sum(samples) FROM (
          SELECT hour, samples FROM ${db}.cost_gpu_util_hours
          WHERE hour >= fromUnixTimestamp64Milli({from_ms:Int64} - ${H}, 'UTC') AND hour < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
          UNION ALL
          SELECT hour + 3600 AS hour, samples FROM ${db}.cost_gpu_util_hours
          WHERE hour >= fromUnixTimestamp64Milli({from_ms:Int64} - 2 * ${H}, 'UTC') AND hour < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
        )
        GROUP BY hour)`;

// The hours whose samples the raw part reads: every hour from the one the cap reaches back into
// that is not sealed, or is followed inside the window by one that is not (its last samples reach into it).
// A scalar subquery of its own, so that it is a constant when the min-max index of cost_gpu_util is consulted.
export const rawHoursSql = (db: string) => `(
  SELECT arrayMap(g -> toDateTime(intDiv(g, 1000), 'UTC'),
    arrayFilter(g -> NOT (has(hs, g) AND ${coveredAfter(`g + ${H}`, `has(hs, g + ${H})`)}),
      arrayMap(i -> ${hourOf(`{from_ms:Int64} - {max_interval_ms:Int64}`)} + i * ${H},
        range(toUInt64(intDiv({to_ms:Int64} - 1 - ${hourOf(`{from_ms:Int64} - {max_interval_ms:Int64}`)}, ${H}) + 1)))))
  FROM (SELECT groupArray(h) AS hs FROM (${standingSql(db)}))
)`;

/**
 * Per price segment, GPU unit and allocation: observed, busy and low-utilisation ms from the sealed
 * hours' rollups where they stand, and from the samples elsewhere (the window's partial hours, hours
 * cut by a price change, hours not sealed yet or changed since). The raw part reads only the hours
 * its pieces need (`raw_hours` prunes parts by their min-max ts), and keeps only pieces in unsealed hours.
 */
export const hybridSource = (db: string) => `
    SELECT gpu_key, alloc_key, toUInt64(arrayFirstIndex(c -> c > ${hourMs('hour')}, cuts) - 1) AS seg, observed_ms, busy_ms, low_ms
    FROM ${db}.cost_gpu_hourly FINAL
    WHERE max_interval_ms = {max_interval_ms:Int64} AND idle_threshold = {idle_threshold:Float64} AND gpu_key != 0
      AND hour >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AND hour < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
      AND (${hourMs('hour')}, samples) IN sealed_pairs
    UNION ALL
    SELECT gpu_key, alloc_key, toUInt64(seg) AS seg, sum(piece_ms) AS observed_ms, sum(piece_ms * util) AS busy_ms, sumIf(piece_ms, util < {idle_threshold:Float64}) AS low_ms
    FROM (
      SELECT gpu_key, alloc_key, util,
        arrayJoin(if(length(cuts) = 2, [1], arrayFilter(j -> cuts[j] < end_ms AND cuts[j + 1] > start_ms, range(1, length(cuts))))) AS seg,
        greatest(start_ms, cuts[seg]) AS a, least(end_ms, cuts[seg + 1]) AS b,
        ${hourOf('a')} AS h1, h1 + ${H} AS h2,
        -- With an hour sealed the cap is at most an hour, so a piece spans at most two hours.
        arrayJoin(if(empty(sealed_hours), [toInt64(0)], arrayFilter((x, sealed) -> x < b AND NOT sealed, [h1, h2], [h1 IN sealed_hours, h2 IN sealed_hours]))) AS h,
        if(empty(sealed_hours), b - a, least(b, h + ${H}) - greatest(a, h)) AS piece_ms
      FROM (
        SELECT gpu_key, alloc_key, util, greatest(t, {from_ms:Int64}) AS start_ms,
          least(leadInFrame(t, 1, toInt64(${FOREVER_MS})) OVER (PARTITION BY gpu_key ORDER BY t ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING),
                t + {max_interval_ms:Int64}, {to_ms:Int64}) AS end_ms
        FROM (
          SELECT gpu_key, alloc_key, toUnixTimestamp64Milli(ts) AS t, ${UTIL_SQL} AS util
          -- PREWHERE: filtered before FINAL folds rows (right, as ts is part of the key), so that only the
          -- needed hours of a day's parts are merged, not the whole day.
          FROM ${db}.cost_gpu_util FINAL
          PREWHERE ts >= fromUnixTimestamp64Milli({from_ms:Int64} - {max_interval_ms:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
            AND toStartOfHour(ts) IN raw_hours
        )
        -- A sample whose interval stays in sealed hours is not needed; dropping it leaves the next kept
        -- sample too late only for samples whose pieces in later hours are sealed anyway.
        WHERE NOT (${hourOf('t')} IN sealed_hours
          AND (t + {max_interval_ms:Int64} <= ${hourOf('t')} + ${H} OR ${coveredAfter(`${hourOf('t')} + ${H}`, `${hourOf('t')} + ${H} IN sealed_hours`)}))
      )
      WHERE end_ms > start_ms
    )
    WHERE piece_ms > 0
    GROUP BY gpu_key, alloc_key, seg`;

/** cost_gpu_usage over the hourly rollups: the same rows as cost_gpu_usage_raw. */
export const hybridUsageView = (db: string) =>
  usageView(db, true, {
    name: 'cost_gpu_usage',
    with: `(SELECT groupArray((h, samples)) FROM (${standingSql(db)})) AS sealed_pairs,
  tupleElement(sealed_pairs, 1) AS sealed_hours,
  ${rawHoursSql(db)} AS raw_hours`,
    source: `
    SELECT gpu_key, alloc_key, seg, sum(observed_ms) AS observed_ms, sum(busy_ms) AS busy_ms, sum(low_ms) AS low_ms
    FROM (${hybridSource(db)}
    )
    GROUP BY gpu_key, alloc_key, seg`,
  });

/** Migration 120: the insert-time sample count per hour, the rollup table, and cost_gpu_usage over it. */
export const ROLLUP_MIGRATION: Migration = {
  id: 120,
  name: 'cost: hourly rollups of GPU usage, cost_gpu_usage reads them',
  statements: (db, r) => [
    // Each stored row counts 1; merging sums it, so a read of any state of the table counts the rows folded into it.
    `ALTER TABLE ${db}.cost_gpu_util ADD COLUMN IF NOT EXISTS samples SimpleAggregateFunction(sum, UInt64) DEFAULT 1`,
    hoursTable(db, r.gpuSamples),
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.cost_gpu_util_hours_mv TO ${db}.cost_gpu_util_hours AS
     SELECT toStartOfHour(toDateTime(ts, 'UTC')) AS hour, count() AS samples FROM ${db}.gpu_samples WHERE ${UTIL_ROWS} GROUP BY hour`,
    // Samples stored before; only when the table is empty, so that a re-run does not count them twice.
    `INSERT INTO ${db}.cost_gpu_util_hours SELECT toStartOfHour(toDateTime(ts, 'UTC')) AS hour, sum(samples) FROM ${db}.cost_gpu_util
     WHERE (SELECT count() FROM ${db}.cost_gpu_util_hours) = 0 GROUP BY hour`,
    hourlyTable(db, r.gpuSamples),
    `DROP VIEW IF EXISTS ${db}.cost_gpu_usage_raw`,
    usageView(db, true, { name: 'cost_gpu_usage_raw', source: rawUsageSource(db) }),
    `DROP VIEW IF EXISTS ${db}.cost_gpu_usage`,
    hybridUsageView(db),
  ],
};

/** What to seal: the integration rules the rollups are for, the clock, and how much to do in one call. */
export interface SealOptions {
  maxIntervalMs: number;
  idleThreshold: number;
  nowMs: number;
  /** Hours integrated per statement (bounds one statement's memory); default 24. */
  hoursPerStatement?: number;
  /** Statements per call at most; default unlimited. */
  maxStatements?: number;
}

/** The complete hours whose rollup for these rules is missing or no longer stands, oldest first. */
export async function staleHours(store: Store, opts: Pick<SealOptions, 'maxIntervalMs' | 'idleThreshold' | 'nowMs'>): Promise<number[]> {
  const db = store.database;
  const rows = await store.query<{ h: string }>(
    `SELECT toInt64(toUnixTimestamp(c.hour)) * 1000 AS h FROM (
       SELECT hour, sum(samples) AS samples FROM (
         SELECT hour, samples FROM ${db}.cost_gpu_util_hours
         UNION ALL SELECT hour + 3600 AS hour, samples FROM ${db}.cost_gpu_util_hours
       ) GROUP BY hour
     ) AS c
     LEFT JOIN (
       SELECT DISTINCT hour, samples, 1 AS standing FROM ${db}.cost_gpu_hourly
       WHERE max_interval_ms = {cap:Int64} AND idle_threshold = {threshold:Float64} AND gpu_key = 0
     ) AS s ON c.hour = s.hour AND c.samples = s.samples
     WHERE s.standing = 0 AND c.hour <= fromUnixTimestamp64Milli({complete:Int64}, 'UTC')
     ORDER BY h`,
    // An hour is sealed once it ended more than a cap and a grace ago (scrapes arrive late); a later sample still unseals it.
    { cap: opts.maxIntervalMs, threshold: opts.idleThreshold, complete: opts.nowMs - H - opts.maxIntervalMs - SEAL_GRACE_MS },
  );
  return rows.map((r) => Number(r.h));
}

/**
 * Integrates the complete hours whose rollup is missing or stale into cost_gpu_hourly; returns how many
 * hours it sealed. A cap above an hour has no rollups (an interval could then span more than two hours).
 */
export async function sealRollups(store: Store, opts: SealOptions): Promise<number> {
  if (opts.maxIntervalMs > H) return 0;
  const stale = await staleHours(store, opts);
  const per = (opts.hoursPerStatement ?? 24) * H;
  let sealed = 0;
  let statements = 0;
  for (let i = 0; i < stale.length && statements < (opts.maxStatements ?? Infinity); statements++) {
    const lo = stale[i]!;
    let j = i;
    while (j < stale.length && stale[j]! < lo + per) j++;
    const hi = stale[j - 1]! + H;
    await store.command(sealSql(store.database), { cap: opts.maxIntervalMs, threshold: opts.idleThreshold, lo, hi });
    sealed += j - i;
    i = j;
  }
  return sealed;
}
