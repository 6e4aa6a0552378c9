// OpenTelemetry metric and log tables, after the Collector contrib ClickHouse exporter's DDL
// (exporter/clickhouseexporter/internal/sqltemplates, read at commits e3bd2d1d (gauge, logs),
// 8090d3c8 (sum) and 61540ced (histogram)), so Grafana's ClickHouse data source reads them in its
// OpenTelemetry mode. Column names, types and codecs are the exporter's; the deviations, each noted
// in the golden copies storage/testdata/otel/*.sql (checked by storage/migrations-otel.test.ts):
// - ReplacingMergeTree whose sorting key ends in the full identity of a data point / log record,
//   so a point or record resent by a retrying SDK (or redelivered by Kafka) is stored once;
// - TTL from storage.retentionDays.otel (the exporter's is optional, off by default);
// - the sink's insert deduplication window (DEDUP).
const DEDUP = 'non_replicated_deduplication_window = 1000';

// The exporter's ORDER BY stops at service, metric, attributes and time; two instances of one
// service (same attributes, different service.instance.id) would then collapse into one row under
// ReplacingMergeTree, so the resource and scope join the key.
const METRIC_IDENTITY = 'cityHash64(mapKeys(ResourceAttributes), mapValues(ResourceAttributes), ScopeName, ScopeVersion)';

const exemplars = `Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime64(9),
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1))`;

const metricHead = `ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ResourceSchemaUrl String CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    MetricName String CODEC(ZSTD(1)),
    MetricDescription String CODEC(ZSTD(1)),
    MetricUnit String CODEC(ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),`;

const attrIndexes = (attrs: string) => `INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_${attrs === 'Attributes' ? 'attr' : 'log_attr'}_key mapKeys(${attrs}) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_${attrs === 'Attributes' ? 'attr' : 'log_attr'}_value mapValues(${attrs}) TYPE bloom_filter(0.01) GRANULARITY 1`;

function metricTable(db: string, table: string, columns: string, days: number): string {
  return `CREATE TABLE IF NOT EXISTS ${db}.${table} (
    ${metricHead}
    ${columns},
    ${attrIndexes('Attributes')}
) ENGINE = ReplacingMergeTree
PARTITION BY toDate(TimeUnix)
PRIMARY KEY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix), ${METRIC_IDENTITY})
TTL toDateTime(TimeUnix) + toIntervalDay(${days})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, ${DEDUP}`;
}

/** The four statements of the metric tables (gauge, sum, histogram) as applied. */
export function otelMetricTablesDdl(db: string, days: number): Record<'otel_metrics_gauge' | 'otel_metrics_sum' | 'otel_metrics_histogram', string> {
  return {
    otel_metrics_gauge: metricTable(
      db,
      'otel_metrics_gauge',
      `Value Float64 CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    ${exemplars}`,
      days,
    ),
    otel_metrics_sum: metricTable(
      db,
      'otel_metrics_sum',
      `Value Float64 CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    ${exemplars},
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    IsMonotonic Boolean CODEC(Delta, ZSTD(1))`,
      days,
    ),
    otel_metrics_histogram: metricTable(
      db,
      'otel_metrics_histogram',
      `Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    BucketCounts Array(UInt64) CODEC(ZSTD(1)),
    ExplicitBounds Array(Float64) CODEC(ZSTD(1)),
    ${exemplars},
    Flags UInt32 CODEC(ZSTD(1)),
    Min Float64 CODEC(ZSTD(1)),
    Max Float64 CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1))`,
      days,
    ),
  };
}

// A log record has no id: its identity is everything it says. Two records identical in every field
// at the same nanosecond are stored once, which is what a resend looks like.
const LOG_IDENTITY =
  'cityHash64(TraceId, SpanId, SeverityNumber, SeverityText, Body, EventName, mapKeys(LogAttributes), mapValues(LogAttributes), mapKeys(ResourceAttributes), mapValues(ResourceAttributes), ScopeName, ScopeVersion)';

/** The statement of the log table as applied. */
export function otelLogsDdl(db: string, days: number): string {
  return `CREATE TABLE IF NOT EXISTS ${db}.otel_logs (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TimestampTime DateTime DEFAULT toDateTime(Timestamp),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    TraceFlags UInt8,
    SeverityText LowCardinality(String) CODEC(ZSTD(1)),
    SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Body String CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    EventName String CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    ${attrIndexes('LogAttributes')},
    INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
) ENGINE = ReplacingMergeTree
PARTITION BY toDate(TimestampTime)
PRIMARY KEY (ServiceName, TimestampTime)
ORDER BY (ServiceName, TimestampTime, Timestamp, ${LOG_IDENTITY})
TTL TimestampTime + toIntervalDay(${days})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, ${DEDUP}`;
}
