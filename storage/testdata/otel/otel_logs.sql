-- otel_logs: log records (exporter: logs_table.sql at commit e3bd2d1d)
-- Columns, types, codecs and indexes are the exporter's. Deviations:
--  1. ENGINE = ReplacingMergeTree (exporter: MergeTree), with the sorting key extended by IDENTITY
--     below, so a resent one is stored once; PRIMARY KEY keeps the exporter's ORDER BY.
--  2. TTL from storage.retentionDays.otel (default 30 days; the exporter's TTL is optional and off).
--  3. non_replicated_deduplication_window = 1000, for the sink's per-batch insert_deduplication_token.
-- Rendered for database mlobs and 30 days; storage/migrations-otel.test.ts checks the migration renders exactly this.
-- IDENTITY: a hash of everything the record says (ids, severity, body, event name, attributes, resource, scope): a log record has no id.
CREATE TABLE IF NOT EXISTS mlobs.otel_logs (
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
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
) ENGINE = ReplacingMergeTree
PARTITION BY toDate(TimestampTime)
PRIMARY KEY (ServiceName, TimestampTime)
ORDER BY (ServiceName, TimestampTime, Timestamp, cityHash64(TraceId, SpanId, SeverityNumber, SeverityText, Body, EventName, mapKeys(LogAttributes), mapValues(LogAttributes), mapKeys(ResourceAttributes), mapValues(ResourceAttributes), ScopeName, ScopeVersion))
TTL TimestampTime + toIntervalDay(30)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;
