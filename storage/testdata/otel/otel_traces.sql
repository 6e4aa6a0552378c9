-- Golden copy: the traces table of the OpenTelemetry Collector contrib ClickHouse exporter
-- (exporter/clickhouseexporter/internal/sqltemplates/traces_table.sql as of contrib commit
-- f92a5763be13aeb59ecf6f8b47e31d54109191bb, the newest version of that file read; not yet checked
-- against the v0.139.0 tag), with its format placeholders filled for database `mlobs`, table `otel_traces`, engine MergeTree and a 30-day TTL.
--
-- mlobs's migration 21 (storage/migrations.ts) creates it with these deviations, and no others:
--  1. ENGINE = ReplacingMergeTree (not MergeTree), ORDER BY extended by TraceId, SpanId:
--     a span resent by a retrying SDK (or redelivered by Kafka) collapses into one row.
--     Read with FINAL (or GROUP BY) for exact counts before parts merge.
--  2. TTL from storage.retentionDays.otel (default 30), as `toDateTime(Timestamp) + toIntervalDay(N)`.
--  3. SETTINGS gains non_replicated_deduplication_window = 1000 (like every mlobs table), so an
--     identical retried insert batch is dropped at insert time.
--  4. Not created: the exporter's optional `otel_traces_trace_id_ts` lookup table and its
--     materialized view (a trace-id → time-range index the exporter adds for fast trace lookups);
--     Grafana's trace view works without it, querying otel_traces by TraceId (bloom filter index).
CREATE TABLE IF NOT EXISTS "mlobs"."otel_traces" (
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
) ENGINE = MergeTree
PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
TTL toDateTime(Timestamp) + toIntervalDay(30)
SETTINGS index_granularity=8192, ttl_only_drop_parts = 1
