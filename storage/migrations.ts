import type { BaseConfig } from '../core/config.js';
import type { Store } from './store.js';
import { renderStatement, tablesCreatedBy } from './cluster.js';
import { otelLogsDdl, otelMetricTablesDdl } from './migrations-otel.js';

/** One schema change; its statements must be idempotent so that a half-applied migration can be re-run. */
export interface Migration {
  id: number;
  name: string;
  statements: (db: string, retention: BaseConfig['storage']['retentionDays']) => string[];
  /**
   * Cluster mode only (storage/cluster.ts): a table's sharding expression where hashing its sorting
   * key is not right, e.g. to keep the rows a materialized view derives on the shard of their source.
   */
  shardingKeys?: Record<string, string>;
}

// ReplacingMergeTree keyed by each event's identity makes storage idempotent: a batch that Kafka
// redelivers after a crash (inserted, not yet committed) collapses into the rows already there.
// The per-batch insert_deduplication_token additionally drops an identical retried batch at
// insert time, which needs non_replicated_deduplication_window > 0 on non-replicated tables (in a
// cluster, storage/cluster.ts turns it into replicated_deduplication_window, the replicated block log).
export const DEDUP = 'non_replicated_deduplication_window = 1000';

export const MIGRATIONS: Migration[] = [
  {
    id: 1,
    name: 'event tables',
    // A prediction and its label share a shard (labels shard by their sorting key, the same pair), so a
    // join of the two can run shard by shard; a GPU's samples share one, as the cost tables derived from them do.
    shardingKeys: { predictions: 'cityHash64(model, prediction_id)', gpu_samples: 'cityHash64(hostname, uuid, gpu_i_id)' },
    statements: (db, r) => [
      `CREATE TABLE IF NOT EXISTS ${db}.predictions (
        model LowCardinality(String),
        model_version LowCardinality(String),
        prediction_id String,
        ts DateTime64(3, 'UTC'),
        -- Plain String map keys: the engine parses inserts of them about 1.5x faster than
        -- LowCardinality keys (measured), and compression makes the repeated names nearly free.
        num_features Map(String, Float64),
        cat_features Map(String, String),
        null_features Array(String),
        prediction_num Nullable(Float64),
        prediction_cat Nullable(String),
        score Nullable(Float64),
        latency_ms Nullable(Float64),
        status LowCardinality(String),
        segments Map(String, String),
        received_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMMDD(ts)
      ORDER BY (model, ts, prediction_id)
      TTL toDateTime(ts) + INTERVAL ${r.predictions} DAY
      SETTINGS ${DEDUP}`,
      `CREATE TABLE IF NOT EXISTS ${db}.labels (
        model LowCardinality(String),
        prediction_id String,
        ts DateTime64(3, 'UTC'),
        label_num Nullable(Float64),
        label_cat Nullable(String),
        received_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree(received_at)
      PARTITION BY toYYYYMM(ts)
      ORDER BY (model, prediction_id)
      TTL toDateTime(ts) + INTERVAL ${r.labels} DAY
      SETTINGS ${DEDUP}`,
      `CREATE TABLE IF NOT EXISTS ${db}.pipeline_events (
        event_id String,
        pipeline LowCardinality(String),
        run_id String,
        task LowCardinality(String),
        status LowCardinality(String),
        ts DateTime64(3, 'UTC'),
        started_at Nullable(DateTime64(3, 'UTC')),
        finished_at Nullable(DateTime64(3, 'UTC')),
        duration_ms Nullable(Float64),
        rows_in Nullable(UInt64),
        rows_out Nullable(UInt64),
        error String,
        received_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(ts)
      ORDER BY (pipeline, ts, event_id)
      TTL toDateTime(ts) + INTERVAL ${r.pipelineEvents} DAY
      SETTINGS ${DEDUP}`,
      `CREATE TABLE IF NOT EXISTS ${db}.gpu_samples (
        ts DateTime64(3, 'UTC'),
        metric LowCardinality(String),
        metric_type LowCardinality(String),
        value Nullable(Float64),
        hostname LowCardinality(String),
        gpu LowCardinality(String),
        uuid LowCardinality(String),
        pci_bus_id LowCardinality(String),
        device LowCardinality(String),
        model_name LowCardinality(String),
        gpu_i_profile LowCardinality(String),
        gpu_i_id LowCardinality(String),
        namespace LowCardinality(String),
        pod LowCardinality(String),
        container LowCardinality(String),
        labels Map(LowCardinality(String), String),
        source LowCardinality(String),
        series_id UInt64 MATERIALIZED cityHash64(metric, hostname, uuid, gpu_i_id, namespace, pod, container, mapKeys(labels), mapValues(labels))
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMMDD(ts)
      ORDER BY (hostname, uuid, gpu_i_id, metric, ts, series_id)
      TTL toDateTime(ts) + INTERVAL ${r.gpuSamples} DAY
      SETTINGS ${DEDUP}`,
      `CREATE TABLE IF NOT EXISTS ${db}.dead_letters (
        id String,
        kind LowCardinality(String),
        source LowCardinality(String),
        reason LowCardinality(String),
        error String,
        payload String,
        received_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(received_at)
      ORDER BY (kind, received_at, id)
      TTL toDateTime(received_at) + INTERVAL ${r.deadLetters} DAY
      SETTINGS ${DEDUP}`,
    ],
  },
  {
    // KServe's ids are 20-29; 21 and 22 went to OTLP (otel_traces, predictions.ttft_ms), so 25.
    id: 25,
    name: 'kserve halves and joins',
    statements: (db, r) => [
      // One row per half as KServe's logger posted it; a redelivered or re-posted half collapses on
      // the key. Partitioned by arrival so that the joiner's recent window reads few parts.
      `CREATE TABLE IF NOT EXISTS ${db}.kserve_halves (
        model LowCardinality(String),
        component LowCardinality(String),
        id String,
        half LowCardinality(String),
        namespace LowCardinality(String),
        endpoint LowCardinality(String),
        source String,
        ts DateTime64(3, 'UTC'),
        content_type LowCardinality(String),
        metadata String,
        annotations String,
        data String CODEC(ZSTD(3)),
        received_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMMDD(received_at)
      ORDER BY (model, component, id, half)
      TTL toDateTime(received_at) + INTERVAL ${r.kserveHalves} DAY
      SETTINGS ${DEDUP}`,
      // One row per inference the joiner turned into predictions: the joiner skips these, so a half
      // that arrives again (redelivered, re-posted, late) never makes a second prediction.
      `CREATE TABLE IF NOT EXISTS ${db}.kserve_joins (
        model LowCardinality(String),
        component LowCardinality(String),
        id String,
        outcome LowCardinality(String),
        predictions UInt32,
        joined_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMMDD(joined_at)
      ORDER BY (model, component, id)
      TTL toDateTime(joined_at) + INTERVAL ${r.kserveHalves} DAY
      SETTINGS ${DEDUP}`,
    ],
  },
  {
    id: 21,
    // The OpenTelemetry Collector ClickHouse exporter's traces table (golden copy and deviations:
    // storage/testdata/otel/otel_traces.sql), so Grafana's ClickHouse data source reads it in OTel mode.
    name: 'otel_traces',
    statements: (db, r) => [
      `CREATE TABLE IF NOT EXISTS ${db}.otel_traces (
        Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
        TraceId String CODEC(ZSTD(1)),
        SpanId String CODEC(ZSTD(1)),
        ParentSpanId String CODEC(ZSTD(1)),
        TraceState String CODEC(ZSTD(1)),
        SpanName LowCardinality(String) CODEC(ZSTD(1)),
        SpanKind LowCardinality(String) CODEC(ZSTD(1)),
        ServiceName LowCardinality(String) CODEC(ZSTD(1)),
        ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
        ScopeName String CODEC(ZSTD(1)),
        ScopeVersion String CODEC(ZSTD(1)),
        SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
        Duration UInt64 CODEC(ZSTD(1)),
        StatusCode LowCardinality(String) CODEC(ZSTD(1)),
        StatusMessage String CODEC(ZSTD(1)),
        Events Nested (
          Timestamp DateTime64(9),
          Name LowCardinality(String),
          Attributes Map(LowCardinality(String), String)
        ) CODEC(ZSTD(1)),
        Links Nested (
          TraceId String,
          SpanId String,
          TraceState String,
          Attributes Map(LowCardinality(String), String)
        ) CODEC(ZSTD(1)),
        INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
        INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
        INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
        INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
        INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
        INDEX idx_duration Duration TYPE minmax GRANULARITY 1
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toDate(Timestamp)
      ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), TraceId, SpanId)
      TTL toDateTime(Timestamp) + toIntervalDay(${r.otel})
      SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, ${DEDUP}`,
    ],
  },
  {
    id: 22,
    // Time to first token of LLM serving (from OTLP GenAI spans or sent directly); NULL when unknown.
    name: 'predictions.ttft_ms',
    statements: (db) => [`ALTER TABLE ${db}.predictions ADD COLUMN IF NOT EXISTS ttft_ms Nullable(Float64) AFTER latency_ms`],
  },
  // The exporter's metric and log tables; DDL and deviations in migrations-otel.ts.
  // Embeddings (issue 14): a column, not a table, so a prediction stays one row (one insert, FINAL
  // dedups it whole); columnar storage means reports that do not read it never pay for it.
  { id: 45, name: 'predictions.embeddings', statements: (db) => [`ALTER TABLE ${db}.predictions ADD COLUMN IF NOT EXISTS embeddings Map(String, Array(Float32))`] },
  { id: 11, name: 'otel metric tables (gauge, sum, histogram)', statements: (db, r) => Object.values(otelMetricTablesDdl(db, r.otel)) },
  { id: 12, name: 'otel log table', statements: (db, r) => [otelLogsDdl(db, r.otel)] },
  {
    // OpenLineage's nominal-time facet: when a run was scheduled for, beside when it ran.
    id: 30,
    name: 'pipeline_events nominal times',
    statements: (db) => [
      `ALTER TABLE ${db}.pipeline_events
         ADD COLUMN IF NOT EXISTS nominal_start Nullable(DateTime64(3, 'UTC')) AFTER finished_at,
         ADD COLUMN IF NOT EXISTS nominal_end Nullable(DateTime64(3, 'UTC')) AFTER nominal_start`,
    ],
  },
];

const recordTable = (db: string) =>
  `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (id UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = ReplacingMergeTree ORDER BY id`;

export interface MigrateOptions {
  /** `storage.cluster`: render every statement `ON CLUSTER` with replicated local tables and Distributed twins. */
  cluster?: string;
}

/** The schema as it will be applied: the migration record's table, then each migration's statements, in id order. */
export interface SchemaPlan {
  record: string[];
  migrations: { id: number; name: string; statements: string[] }[];
}

/**
 * Every statement migrate() would run. Without a cluster the statements are the migrations' own,
 * untouched; with one, each goes through the cluster renderer, which needs to know every table of
 * the whole schema (a materialized view of one migration reads a table of another).
 */
export function planSchema(db: string, retention: BaseConfig['storage']['retentionDays'], migrations: readonly Migration[], opts: MigrateOptions = {}): SchemaPlan {
  const sorted = [...migrations].sort((a, b) => a.id - b.id);
  const raw = sorted.map((m) => ({ id: m.id, name: m.name, statements: m.statements(db, retention) }));
  if (opts.cluster === undefined) return { record: [recordTable(db)], migrations: raw };
  const all = [recordTable(db), ...raw.flatMap((m) => m.statements)];
  const render = {
    cluster: opts.cluster,
    database: db,
    tables: new Set(tablesCreatedBy(all, db)),
    shardingKeys: Object.assign({}, ...sorted.map((m) => m.shardingKeys ?? {})) as Record<string, string>,
  };
  return {
    record: renderStatement(recordTable(db), render),
    migrations: raw.map((m) => ({ ...m, statements: m.statements.flatMap((s) => renderStatement(s, render)) })),
  };
}

/** Applies every migration not yet recorded, in order; safe to run at every start and concurrently re-run after a crash. */
export async function migrate(
  store: Store,
  retention: BaseConfig['storage']['retentionDays'],
  migrations: Migration[] = MIGRATIONS,
  opts: MigrateOptions = {},
): Promise<number[]> {
  const db = store.database;
  const plan = planSchema(db, retention, migrations, opts);
  // In a cluster the record is itself replicated (schema_migrations_local behind a Distributed
  // schema_migrations), so every node sees which migrations ran, whichever node ran them.
  for (const sql of plan.record) await store.command(sql);
  const done = new Set((await store.query<{ id: number }>(`SELECT id FROM ${db}.schema_migrations FINAL`)).map((r) => Number(r.id)));
  const applied: number[] = [];
  for (const m of plan.migrations) {
    if (done.has(m.id)) continue;
    for (const sql of m.statements) await store.command(sql);
    await store.insert('schema_migrations', [{ id: m.id, name: m.name }]);
    applied.push(m.id);
  }
  return applied;
}
