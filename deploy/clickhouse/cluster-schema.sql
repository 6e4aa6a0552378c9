-- migration record
CREATE TABLE IF NOT EXISTS mlobs.schema_migrations_local ON CLUSTER mlobs (id UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}') ORDER BY id;

CREATE TABLE IF NOT EXISTS mlobs.schema_migrations ON CLUSTER mlobs AS mlobs.schema_migrations_local
      ENGINE = Distributed(mlobs, mlobs, schema_migrations_local, cityHash64(id));

-- migration 1: event tables
CREATE TABLE IF NOT EXISTS mlobs.predictions_local ON CLUSTER mlobs (
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
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      PARTITION BY toYYYYMMDD(ts)
      ORDER BY (model, ts, prediction_id)
      TTL toDateTime(ts) + INTERVAL 90 DAY
      SETTINGS replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mlobs.predictions ON CLUSTER mlobs AS mlobs.predictions_local
      ENGINE = Distributed(mlobs, mlobs, predictions_local, cityHash64(model, prediction_id));

CREATE TABLE IF NOT EXISTS mlobs.labels_local ON CLUSTER mlobs (
        model LowCardinality(String),
        prediction_id String,
        ts DateTime64(3, 'UTC'),
        label_num Nullable(Float64),
        label_cat Nullable(String),
        received_at DateTime64(3, 'UTC')
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', received_at)
      PARTITION BY toYYYYMM(ts)
      ORDER BY (model, prediction_id)
      TTL toDateTime(ts) + INTERVAL 180 DAY
      SETTINGS replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mlobs.labels ON CLUSTER mlobs AS mlobs.labels_local
      ENGINE = Distributed(mlobs, mlobs, labels_local, cityHash64(model, prediction_id));

CREATE TABLE IF NOT EXISTS mlobs.pipeline_events_local ON CLUSTER mlobs (
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
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      PARTITION BY toYYYYMM(ts)
      ORDER BY (pipeline, ts, event_id)
      TTL toDateTime(ts) + INTERVAL 365 DAY
      SETTINGS replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mlobs.pipeline_events ON CLUSTER mlobs AS mlobs.pipeline_events_local
      ENGINE = Distributed(mlobs, mlobs, pipeline_events_local, cityHash64(pipeline, ts, event_id));

CREATE TABLE IF NOT EXISTS mlobs.gpu_samples_local ON CLUSTER mlobs (
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
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      PARTITION BY toYYYYMMDD(ts)
      ORDER BY (hostname, uuid, gpu_i_id, metric, ts, series_id)
      TTL toDateTime(ts) + INTERVAL 90 DAY
      SETTINGS replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mlobs.gpu_samples ON CLUSTER mlobs AS mlobs.gpu_samples_local
      ENGINE = Distributed(mlobs, mlobs, gpu_samples_local, cityHash64(hostname, uuid, gpu_i_id));

CREATE TABLE IF NOT EXISTS mlobs.dead_letters_local ON CLUSTER mlobs (
        id String,
        kind LowCardinality(String),
        source LowCardinality(String),
        reason LowCardinality(String),
        error String,
        payload String,
        received_at DateTime64(3, 'UTC')
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      PARTITION BY toYYYYMM(received_at)
      ORDER BY (kind, received_at, id)
      TTL toDateTime(received_at) + INTERVAL 30 DAY
      SETTINGS replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mlobs.dead_letters ON CLUSTER mlobs AS mlobs.dead_letters_local
      ENGINE = Distributed(mlobs, mlobs, dead_letters_local, cityHash64(kind, received_at, id));

-- migration 11: otel metric tables (gauge, sum, histogram)
CREATE TABLE IF NOT EXISTS mlobs.otel_metrics_gauge_local ON CLUSTER mlobs (
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
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
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Value Float64 CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime64(9),
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toDate(TimeUnix)
PRIMARY KEY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix), cityHash64(mapKeys(ResourceAttributes), mapValues(ResourceAttributes), ScopeName, ScopeVersion))
TTL toDateTime(TimeUnix) + toIntervalDay(30)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mlobs.otel_metrics_gauge ON CLUSTER mlobs AS mlobs.otel_metrics_gauge_local
      ENGINE = Distributed(mlobs, mlobs, otel_metrics_gauge_local, cityHash64(ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix), cityHash64(mapKeys(ResourceAttributes), mapValues(ResourceAttributes), ScopeName, ScopeVersion)));

CREATE TABLE IF NOT EXISTS mlobs.otel_metrics_sum_local ON CLUSTER mlobs (
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
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
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Value Float64 CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime64(9),
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    IsMonotonic Boolean CODEC(Delta, ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toDate(TimeUnix)
PRIMARY KEY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix), cityHash64(mapKeys(ResourceAttributes), mapValues(ResourceAttributes), ScopeName, ScopeVersion))
TTL toDateTime(TimeUnix) + toIntervalDay(30)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mlobs.otel_metrics_sum ON CLUSTER mlobs AS mlobs.otel_metrics_sum_local
      ENGINE = Distributed(mlobs, mlobs, otel_metrics_sum_local, cityHash64(ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix), cityHash64(mapKeys(ResourceAttributes), mapValues(ResourceAttributes), ScopeName, ScopeVersion)));

CREATE TABLE IF NOT EXISTS mlobs.otel_metrics_histogram_local ON CLUSTER mlobs (
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
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
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    BucketCounts Array(UInt64) CODEC(ZSTD(1)),
    ExplicitBounds Array(Float64) CODEC(ZSTD(1)),
    Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime64(9),
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Min Float64 CODEC(ZSTD(1)),
    Max Float64 CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toDate(TimeUnix)
PRIMARY KEY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix), cityHash64(mapKeys(ResourceAttributes), mapValues(ResourceAttributes), ScopeName, ScopeVersion))
TTL toDateTime(TimeUnix) + toIntervalDay(30)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mlobs.otel_metrics_histogram ON CLUSTER mlobs AS mlobs.otel_metrics_histogram_local
      ENGINE = Distributed(mlobs, mlobs, otel_metrics_histogram_local, cityHash64(ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix), cityHash64(mapKeys(ResourceAttributes), mapValues(ResourceAttributes), ScopeName, ScopeVersion)));

-- migration 12: otel log table
CREATE TABLE IF NOT EXISTS mlobs.otel_logs_local ON CLUSTER mlobs (
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
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toDate(TimestampTime)
PRIMARY KEY (ServiceName, TimestampTime)
ORDER BY (ServiceName, TimestampTime, Timestamp, cityHash64(TraceId, SpanId, SeverityNumber, SeverityText, Body, EventName, mapKeys(LogAttributes), mapValues(LogAttributes), mapKeys(ResourceAttributes), mapValues(ResourceAttributes), ScopeName, ScopeVersion))
TTL TimestampTime + toIntervalDay(30)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mlobs.otel_logs ON CLUSTER mlobs AS mlobs.otel_logs_local
      ENGINE = Distributed(mlobs, mlobs, otel_logs_local, cityHash64(ServiceName, TimestampTime, Timestamp, cityHash64(TraceId, SpanId, SeverityNumber, SeverityText, Body, EventName, mapKeys(LogAttributes), mapValues(LogAttributes), mapKeys(ResourceAttributes), mapValues(ResourceAttributes), ScopeName, ScopeVersion)));

-- migration 21: otel_traces
CREATE TABLE IF NOT EXISTS mlobs.otel_traces_local ON CLUSTER mlobs (
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
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      PARTITION BY toDate(Timestamp)
      ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), TraceId, SpanId)
      TTL toDateTime(Timestamp) + toIntervalDay(30)
      SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mlobs.otel_traces ON CLUSTER mlobs AS mlobs.otel_traces_local
      ENGINE = Distributed(mlobs, mlobs, otel_traces_local, cityHash64(ServiceName, SpanName, toDateTime(Timestamp), TraceId, SpanId));

-- migration 22: predictions.ttft_ms
ALTER TABLE mlobs.predictions_local ON CLUSTER mlobs ADD COLUMN IF NOT EXISTS ttft_ms Nullable(Float64) AFTER latency_ms;

ALTER TABLE mlobs.predictions ON CLUSTER mlobs ADD COLUMN IF NOT EXISTS ttft_ms Nullable(Float64) AFTER latency_ms;

-- migration 25: kserve halves and joins
CREATE TABLE IF NOT EXISTS mlobs.kserve_halves_local ON CLUSTER mlobs (
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
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      PARTITION BY toYYYYMMDD(received_at)
      ORDER BY (model, component, id, half)
      TTL toDateTime(received_at) + INTERVAL 7 DAY
      SETTINGS replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mlobs.kserve_halves ON CLUSTER mlobs AS mlobs.kserve_halves_local
      ENGINE = Distributed(mlobs, mlobs, kserve_halves_local, cityHash64(model, component, id, half));

CREATE TABLE IF NOT EXISTS mlobs.kserve_joins_local ON CLUSTER mlobs (
        model LowCardinality(String),
        component LowCardinality(String),
        id String,
        outcome LowCardinality(String),
        predictions UInt32,
        joined_at DateTime64(3, 'UTC')
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      PARTITION BY toYYYYMMDD(joined_at)
      ORDER BY (model, component, id)
      TTL toDateTime(joined_at) + INTERVAL 7 DAY
      SETTINGS replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mlobs.kserve_joins ON CLUSTER mlobs AS mlobs.kserve_joins_local
      ENGINE = Distributed(mlobs, mlobs, kserve_joins_local, cityHash64(model, component, id));

-- migration 30: pipeline_events nominal times
ALTER TABLE mlobs.pipeline_events_local ON CLUSTER mlobs
         ADD COLUMN IF NOT EXISTS nominal_start Nullable(DateTime64(3, 'UTC')) AFTER finished_at,
         ADD COLUMN IF NOT EXISTS nominal_end Nullable(DateTime64(3, 'UTC')) AFTER nominal_start;

ALTER TABLE mlobs.pipeline_events ON CLUSTER mlobs
         ADD COLUMN IF NOT EXISTS nominal_start Nullable(DateTime64(3, 'UTC')) AFTER finished_at,
         ADD COLUMN IF NOT EXISTS nominal_end Nullable(DateTime64(3, 'UTC')) AFTER nominal_start;

-- migration 45: predictions.embeddings
ALTER TABLE mlobs.predictions_local ON CLUSTER mlobs ADD COLUMN IF NOT EXISTS embeddings Map(String, Array(Float32));

ALTER TABLE mlobs.predictions ON CLUSTER mlobs ADD COLUMN IF NOT EXISTS embeddings Map(String, Array(Float32));

-- migration 100: cost: utilisation samples, prices, interval and usage views
CREATE TABLE IF NOT EXISTS mlobs.cost_gpu_util_local ON CLUSTER mlobs (
  gpu_key UInt64,
  ts DateTime64(3, 'UTC'),
  alloc_key SimpleAggregateFunction(any, UInt64),
  gr_active SimpleAggregateFunction(any, Nullable(Float64)),
  gpu_util SimpleAggregateFunction(any, Nullable(Float64))
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMMDD(ts)
ORDER BY (gpu_key, ts)
TTL toDateTime(ts) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS mlobs.cost_gpu_util ON CLUSTER mlobs AS mlobs.cost_gpu_util_local
      ENGINE = Distributed(mlobs, mlobs, cost_gpu_util_local, gpu_key);

CREATE TABLE IF NOT EXISTS mlobs.cost_gpu_allocations_local ON CLUSTER mlobs (
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
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (gpu_key, alloc_key)
TTL toDateTime(last_seen) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS mlobs.cost_gpu_allocations ON CLUSTER mlobs AS mlobs.cost_gpu_allocations_local
      ENGINE = Distributed(mlobs, mlobs, cost_gpu_allocations_local, gpu_key);

CREATE MATERIALIZED VIEW IF NOT EXISTS mlobs.cost_gpu_util_mv ON CLUSTER mlobs TO mlobs.cost_gpu_util_local AS SELECT cityHash64(hostname, uuid, gpu_i_id) AS gpu_key, ts, cityHash64(namespace, pod, model_name, gpu_i_profile) AS alloc_key,
  if(metric = 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', value, NULL) AS gr_active,
  if(metric = 'DCGM_FI_DEV_GPU_UTIL', value, NULL) AS gpu_util
FROM mlobs.gpu_samples_local
WHERE metric IN ('DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'DCGM_FI_DEV_GPU_UTIL') AND isFinite(value);

CREATE MATERIALIZED VIEW IF NOT EXISTS mlobs.cost_gpu_allocations_mv ON CLUSTER mlobs TO mlobs.cost_gpu_allocations_local AS SELECT gpu_key, alloc_key, any(h) AS hostname, any(u) AS uuid, any(i) AS gpu_i_id, any(m) AS model_name,
  any(p) AS gpu_i_profile, any(n) AS namespace, any(o) AS pod, min(ts) AS first_seen, max(ts) AS last_seen
FROM (
  SELECT cityHash64(hostname, uuid, gpu_i_id) AS gpu_key, cityHash64(namespace, pod, model_name, gpu_i_profile) AS alloc_key, hostname AS h, uuid AS u, gpu_i_id AS i, model_name AS m,
    gpu_i_profile AS p, namespace AS n, pod AS o, ts
  FROM mlobs.gpu_samples_local
  WHERE metric IN ('DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'DCGM_FI_DEV_GPU_UTIL') AND isFinite(value)
)
GROUP BY gpu_key, alloc_key;

INSERT INTO mlobs.cost_gpu_util SELECT cityHash64(hostname, uuid, gpu_i_id) AS gpu_key, ts, cityHash64(namespace, pod, model_name, gpu_i_profile) AS alloc_key,
  if(metric = 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', value, NULL) AS gr_active,
  if(metric = 'DCGM_FI_DEV_GPU_UTIL', value, NULL) AS gpu_util
FROM mlobs.gpu_samples
WHERE metric IN ('DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'DCGM_FI_DEV_GPU_UTIL') AND isFinite(value);

INSERT INTO mlobs.cost_gpu_allocations SELECT gpu_key, alloc_key, any(h) AS hostname, any(u) AS uuid, any(i) AS gpu_i_id, any(m) AS model_name,
  any(p) AS gpu_i_profile, any(n) AS namespace, any(o) AS pod, min(ts) AS first_seen, max(ts) AS last_seen
FROM (
  SELECT cityHash64(hostname, uuid, gpu_i_id) AS gpu_key, cityHash64(namespace, pod, model_name, gpu_i_profile) AS alloc_key, hostname AS h, uuid AS u, gpu_i_id AS i, model_name AS m,
    gpu_i_profile AS p, namespace AS n, pod AS o, ts
  FROM mlobs.gpu_samples
  WHERE metric IN ('DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'DCGM_FI_DEV_GPU_UTIL') AND isFinite(value)
)
GROUP BY gpu_key, alloc_key;

CREATE TABLE IF NOT EXISTS mlobs.cost_prices_local ON CLUSTER mlobs (
        gpu_model String,
        valid_from_ms Int64,
        valid_to_ms Int64,
        per_hour Float64
      ) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}') ORDER BY (gpu_model, valid_from_ms);

CREATE TABLE IF NOT EXISTS mlobs.cost_prices ON CLUSTER mlobs AS mlobs.cost_prices_local
      ENGINE = Distributed(mlobs, mlobs, cost_prices_local, cityHash64(gpu_model, valid_from_ms));

CREATE VIEW IF NOT EXISTS mlobs.cost_gpu_intervals ON CLUSTER mlobs AS
SELECT gpu_key, alloc_key, ts, util, start_ms, end_ms, end_ms - start_ms AS observed_ms
FROM (
  SELECT gpu_key, alloc_key, ts, util,
    greatest(t, {from_ms:Int64}) AS start_ms,
    least(leadInFrame(t, 1, toInt64(9000000000000000)) OVER (PARTITION BY gpu_key ORDER BY t ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING),
          t + {max_interval_ms:Int64}, {to_ms:Int64}) AS end_ms
  FROM (
    SELECT gpu_key, alloc_key, ts, toUnixTimestamp64Milli(ts) AS t, least(greatest(coalesce(gr_active, gpu_util / 100), 0), 1) AS util
    FROM mlobs.cost_gpu_util FINAL
    WHERE ts >= fromUnixTimestamp64Milli({from_ms:Int64} - {max_interval_ms:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
  )
)
WHERE end_ms > start_ms;

CREATE VIEW IF NOT EXISTS mlobs.cost_gpu_usage ON CLUSTER mlobs AS
WITH
  (SELECT arraySort(arrayDistinct(arrayConcat([{from_ms:Int64}, {to_ms:Int64}],
     arrayFilter(c -> c > {from_ms:Int64} AND c < {to_ms:Int64}, arrayConcat(groupArray(valid_from_ms), groupArray(valid_to_ms))))))
   FROM mlobs.cost_prices) AS cuts,
  (SELECT groupArray((gpu_model, valid_from_ms, valid_to_ms, per_hour)) FROM mlobs.cost_prices) AS prices
SELECT hostname, uuid, gpu_i_id, model_name, gpu_i_profile, gpu_share, namespace, pod,
  cuts[seg] AS segment_from_ms, cuts[seg + 1] AS segment_to_ms,
  observed_ms, busy_ms, idle_ms, per_hour,
  observed_ms * gpu_share / 3600000 AS gpu_hours,
  busy_ms * gpu_share / 3600000 AS busy_gpu_hours,
  idle_ms * gpu_share / 3600000 AS idle_gpu_hours,
  gpu_hours * per_hour AS cost,
  busy_gpu_hours * per_hour AS busy_cost,
  idle_gpu_hours * per_hour AS idle_cost
FROM (
  SELECT u.*, a.hostname, a.uuid, a.gpu_i_id, a.model_name, a.gpu_i_profile, a.namespace, a.pod,
    if(a.gpu_i_profile = '', 1.,
  if(toUInt8OrZero(extract(a.gpu_i_profile, '([0-9]+)g[.]')) BETWEEN 1 AND if(match(a.model_name, '(?i)A30'), 4, 7),
     toUInt8OrZero(extract(a.gpu_i_profile, '([0-9]+)g[.]')) / if(match(a.model_name, '(?i)A30'), 4, 7), NULL)) AS gpu_share,
    if(a.pod != '', u.low_ms, 0) AS idle_ms,
    arrayFirstIndex(p -> p.1 = a.model_name AND p.2 <= cuts[seg] AND cuts[seg] < p.3, prices) AS own,
    arrayFirstIndex(p -> p.1 = '' AND p.2 <= cuts[seg] AND cuts[seg] < p.3, prices) AS dflt,
    if(own > 0, prices[own].4, if(dflt > 0, prices[dflt].4, NULL)) AS per_hour
  FROM (
    SELECT gpu_key, alloc_key, seg,
      sum(piece_ms) AS observed_ms,
      sum(piece_ms * util) AS busy_ms,
      sumIf(piece_ms, util < {idle_threshold:Float64}) AS low_ms
    FROM (
      SELECT gpu_key, alloc_key, util,
        arrayJoin(if(length(cuts) = 2, [1], arrayFilter(j -> cuts[j] < end_ms AND cuts[j + 1] > start_ms, range(1, length(cuts))))) AS seg,
        least(end_ms, cuts[seg + 1]) - greatest(start_ms, cuts[seg]) AS piece_ms
      FROM mlobs.cost_gpu_intervals(from_ms = {from_ms:Int64}, to_ms = {to_ms:Int64}, max_interval_ms = {max_interval_ms:Int64})
    )
    GROUP BY gpu_key, alloc_key, seg
  ) AS u
  LEFT JOIN (
    SELECT gpu_key, alloc_key, any(hostname) AS hostname, any(uuid) AS uuid, any(gpu_i_id) AS gpu_i_id, any(model_name) AS model_name,
      any(gpu_i_profile) AS gpu_i_profile, any(namespace) AS namespace, any(pod) AS pod
    FROM mlobs.cost_gpu_allocations
    -- Any unmerged row of an allocation seen in the window spans one of its samples there, so this keeps its names.
    WHERE last_seen >= fromUnixTimestamp64Milli({from_ms:Int64} - {max_interval_ms:Int64}, 'UTC') AND first_seen < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
    GROUP BY gpu_key, alloc_key
  ) AS a ON u.gpu_key = a.gpu_key AND u.alloc_key = a.alloc_key
);

-- migration 110: cost: pod labels, usage view with labels
CREATE TABLE IF NOT EXISTS mlobs.cost_pod_labels_local ON CLUSTER mlobs (
  namespace LowCardinality(String),
  pod String,
  labels SimpleAggregateFunction(any, Map(String, String)),
  first_seen SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
  last_seen SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (namespace, pod)
TTL toDateTime(last_seen) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS mlobs.cost_pod_labels ON CLUSTER mlobs AS mlobs.cost_pod_labels_local
      ENGINE = Distributed(mlobs, mlobs, cost_pod_labels_local, cityHash64(namespace, pod));

CREATE MATERIALIZED VIEW IF NOT EXISTS mlobs.cost_pod_labels_mv ON CLUSTER mlobs TO mlobs.cost_pod_labels_local AS SELECT namespace, pod, any(labels) AS labels, min(ts) AS first_seen, max(ts) AS last_seen
FROM mlobs.gpu_samples_local
WHERE metric IN ('DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'DCGM_FI_DEV_GPU_UTIL') AND isFinite(value) AND pod != ''
GROUP BY namespace, pod;

INSERT INTO mlobs.cost_pod_labels SELECT namespace, pod, any(labels) AS labels, min(ts) AS first_seen, max(ts) AS last_seen
FROM mlobs.gpu_samples
WHERE metric IN ('DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'DCGM_FI_DEV_GPU_UTIL') AND isFinite(value) AND pod != ''
GROUP BY namespace, pod;

DROP VIEW IF EXISTS mlobs.cost_gpu_usage ON CLUSTER mlobs;

CREATE VIEW IF NOT EXISTS mlobs.cost_gpu_usage ON CLUSTER mlobs AS
WITH
  (SELECT arraySort(arrayDistinct(arrayConcat([{from_ms:Int64}, {to_ms:Int64}],
     arrayFilter(c -> c > {from_ms:Int64} AND c < {to_ms:Int64}, arrayConcat(groupArray(valid_from_ms), groupArray(valid_to_ms))))))
   FROM mlobs.cost_prices) AS cuts,
  (SELECT groupArray((gpu_model, valid_from_ms, valid_to_ms, per_hour)) FROM mlobs.cost_prices) AS prices
SELECT hostname, uuid, gpu_i_id, model_name, gpu_i_profile, gpu_share, namespace, pod, labels,
  cuts[seg] AS segment_from_ms, cuts[seg + 1] AS segment_to_ms,
  observed_ms, busy_ms, idle_ms, per_hour,
  observed_ms * gpu_share / 3600000 AS gpu_hours,
  busy_ms * gpu_share / 3600000 AS busy_gpu_hours,
  idle_ms * gpu_share / 3600000 AS idle_gpu_hours,
  gpu_hours * per_hour AS cost,
  busy_gpu_hours * per_hour AS busy_cost,
  idle_gpu_hours * per_hour AS idle_cost
FROM (
  SELECT u.*, a.hostname, a.uuid, a.gpu_i_id, a.model_name, a.gpu_i_profile, a.namespace, a.pod, l.pod_labels AS labels,
    if(a.gpu_i_profile = '', 1.,
  if(toUInt8OrZero(extract(a.gpu_i_profile, '([0-9]+)g[.]')) BETWEEN 1 AND if(match(a.model_name, '(?i)A30'), 4, 7),
     toUInt8OrZero(extract(a.gpu_i_profile, '([0-9]+)g[.]')) / if(match(a.model_name, '(?i)A30'), 4, 7), NULL)) AS gpu_share,
    if(a.pod != '', u.low_ms, 0) AS idle_ms,
    arrayFirstIndex(p -> p.1 = a.model_name AND p.2 <= cuts[seg] AND cuts[seg] < p.3, prices) AS own,
    arrayFirstIndex(p -> p.1 = '' AND p.2 <= cuts[seg] AND cuts[seg] < p.3, prices) AS dflt,
    if(own > 0, prices[own].4, if(dflt > 0, prices[dflt].4, NULL)) AS per_hour
  FROM (
    SELECT gpu_key, alloc_key, seg,
      sum(piece_ms) AS observed_ms,
      sum(piece_ms * util) AS busy_ms,
      sumIf(piece_ms, util < {idle_threshold:Float64}) AS low_ms
    FROM (
      SELECT gpu_key, alloc_key, util,
        arrayJoin(if(length(cuts) = 2, [1], arrayFilter(j -> cuts[j] < end_ms AND cuts[j + 1] > start_ms, range(1, length(cuts))))) AS seg,
        least(end_ms, cuts[seg + 1]) - greatest(start_ms, cuts[seg]) AS piece_ms
      FROM mlobs.cost_gpu_intervals(from_ms = {from_ms:Int64}, to_ms = {to_ms:Int64}, max_interval_ms = {max_interval_ms:Int64})
    )
    GROUP BY gpu_key, alloc_key, seg
  ) AS u
  LEFT JOIN (
    SELECT gpu_key, alloc_key, any(hostname) AS hostname, any(uuid) AS uuid, any(gpu_i_id) AS gpu_i_id, any(model_name) AS model_name,
      any(gpu_i_profile) AS gpu_i_profile, any(namespace) AS namespace, any(pod) AS pod
    FROM mlobs.cost_gpu_allocations
    -- Any unmerged row of an allocation seen in the window spans one of its samples there, so this keeps its names.
    WHERE last_seen >= fromUnixTimestamp64Milli({from_ms:Int64} - {max_interval_ms:Int64}, 'UTC') AND first_seen < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
    GROUP BY gpu_key, alloc_key
  ) AS a ON u.gpu_key = a.gpu_key AND u.alloc_key = a.alloc_key
  LEFT JOIN (
    SELECT namespace AS label_namespace, pod AS label_pod, any(labels) AS pod_labels
    FROM mlobs.cost_pod_labels
    WHERE last_seen >= fromUnixTimestamp64Milli({from_ms:Int64} - {max_interval_ms:Int64}, 'UTC') AND first_seen < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
    GROUP BY namespace, pod
  ) AS l ON a.namespace = l.label_namespace AND a.pod = l.label_pod
);

-- migration 120: cost: hourly rollups of GPU usage, cost_gpu_usage reads them
ALTER TABLE mlobs.cost_gpu_util_local ON CLUSTER mlobs ADD COLUMN IF NOT EXISTS samples SimpleAggregateFunction(sum, UInt64) DEFAULT 1;

ALTER TABLE mlobs.cost_gpu_util ON CLUSTER mlobs ADD COLUMN IF NOT EXISTS samples SimpleAggregateFunction(sum, UInt64) DEFAULT 1;

CREATE TABLE IF NOT EXISTS mlobs.cost_gpu_util_hours_local ON CLUSTER mlobs (
  hour DateTime('UTC'),
  samples SimpleAggregateFunction(sum, UInt64)
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY hour
TTL hour + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS mlobs.cost_gpu_util_hours ON CLUSTER mlobs AS mlobs.cost_gpu_util_hours_local
      ENGINE = Distributed(mlobs, mlobs, cost_gpu_util_hours_local, cityHash64(hour));

CREATE MATERIALIZED VIEW IF NOT EXISTS mlobs.cost_gpu_util_hours_mv ON CLUSTER mlobs TO mlobs.cost_gpu_util_hours_local AS
     SELECT toStartOfHour(toDateTime(ts, 'UTC')) AS hour, count() AS samples FROM mlobs.gpu_samples_local WHERE metric IN ('DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'DCGM_FI_DEV_GPU_UTIL') AND isFinite(value) GROUP BY hour;

INSERT INTO mlobs.cost_gpu_util_hours SELECT toStartOfHour(toDateTime(ts, 'UTC')) AS hour, sum(samples) FROM mlobs.cost_gpu_util
     WHERE (SELECT count() FROM mlobs.cost_gpu_util_hours) = 0 GROUP BY hour;

CREATE TABLE IF NOT EXISTS mlobs.cost_gpu_hourly_local ON CLUSTER mlobs (
  max_interval_ms Int64,
  idle_threshold Float64,
  hour DateTime('UTC'),
  samples UInt64,
  gpu_key UInt64,
  alloc_key UInt64,
  observed_ms Int64,
  busy_ms Float64,
  low_ms Int64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(hour)
ORDER BY (max_interval_ms, idle_threshold, hour, samples, gpu_key, alloc_key)
TTL hour + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS mlobs.cost_gpu_hourly ON CLUSTER mlobs AS mlobs.cost_gpu_hourly_local
      ENGINE = Distributed(mlobs, mlobs, cost_gpu_hourly_local, cityHash64(max_interval_ms, idle_threshold, hour, samples, gpu_key, alloc_key));

DROP VIEW IF EXISTS mlobs.cost_gpu_usage_raw ON CLUSTER mlobs;

CREATE VIEW IF NOT EXISTS mlobs.cost_gpu_usage_raw ON CLUSTER mlobs AS
WITH
  (SELECT arraySort(arrayDistinct(arrayConcat([{from_ms:Int64}, {to_ms:Int64}],
     arrayFilter(c -> c > {from_ms:Int64} AND c < {to_ms:Int64}, arrayConcat(groupArray(valid_from_ms), groupArray(valid_to_ms))))))
   FROM mlobs.cost_prices) AS cuts,
  (SELECT groupArray((gpu_model, valid_from_ms, valid_to_ms, per_hour)) FROM mlobs.cost_prices) AS prices
SELECT hostname, uuid, gpu_i_id, model_name, gpu_i_profile, gpu_share, namespace, pod, labels,
  cuts[seg] AS segment_from_ms, cuts[seg + 1] AS segment_to_ms,
  observed_ms, busy_ms, idle_ms, per_hour,
  observed_ms * gpu_share / 3600000 AS gpu_hours,
  busy_ms * gpu_share / 3600000 AS busy_gpu_hours,
  idle_ms * gpu_share / 3600000 AS idle_gpu_hours,
  gpu_hours * per_hour AS cost,
  busy_gpu_hours * per_hour AS busy_cost,
  idle_gpu_hours * per_hour AS idle_cost
FROM (
  SELECT u.*, a.hostname, a.uuid, a.gpu_i_id, a.model_name, a.gpu_i_profile, a.namespace, a.pod, l.pod_labels AS labels,
    if(a.gpu_i_profile = '', 1.,
  if(toUInt8OrZero(extract(a.gpu_i_profile, '([0-9]+)g[.]')) BETWEEN 1 AND if(match(a.model_name, '(?i)A30'), 4, 7),
     toUInt8OrZero(extract(a.gpu_i_profile, '([0-9]+)g[.]')) / if(match(a.model_name, '(?i)A30'), 4, 7), NULL)) AS gpu_share,
    if(a.pod != '', u.low_ms, 0) AS idle_ms,
    arrayFirstIndex(p -> p.1 = a.model_name AND p.2 <= cuts[seg] AND cuts[seg] < p.3, prices) AS own,
    arrayFirstIndex(p -> p.1 = '' AND p.2 <= cuts[seg] AND cuts[seg] < p.3, prices) AS dflt,
    if(own > 0, prices[own].4, if(dflt > 0, prices[dflt].4, NULL)) AS per_hour
  FROM (
    SELECT gpu_key, alloc_key, seg,
      sum(piece_ms) AS observed_ms,
      sum(piece_ms * util) AS busy_ms,
      sumIf(piece_ms, util < {idle_threshold:Float64}) AS low_ms
    FROM (
      SELECT gpu_key, alloc_key, util,
        arrayJoin(if(length(cuts) = 2, [1], arrayFilter(j -> cuts[j] < end_ms AND cuts[j + 1] > start_ms, range(1, length(cuts))))) AS seg,
        least(end_ms, cuts[seg + 1]) - greatest(start_ms, cuts[seg]) AS piece_ms
      FROM mlobs.cost_gpu_intervals(from_ms = {from_ms:Int64}, to_ms = {to_ms:Int64}, max_interval_ms = {max_interval_ms:Int64})
    )
    GROUP BY gpu_key, alloc_key, seg
  ) AS u
  LEFT JOIN (
    SELECT gpu_key, alloc_key, any(hostname) AS hostname, any(uuid) AS uuid, any(gpu_i_id) AS gpu_i_id, any(model_name) AS model_name,
      any(gpu_i_profile) AS gpu_i_profile, any(namespace) AS namespace, any(pod) AS pod
    FROM mlobs.cost_gpu_allocations
    -- Any unmerged row of an allocation seen in the window spans one of its samples there, so this keeps its names.
    WHERE last_seen >= fromUnixTimestamp64Milli({from_ms:Int64} - {max_interval_ms:Int64}, 'UTC') AND first_seen < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
    GROUP BY gpu_key, alloc_key
  ) AS a ON u.gpu_key = a.gpu_key AND u.alloc_key = a.alloc_key
  LEFT JOIN (
    SELECT namespace AS label_namespace, pod AS label_pod, any(labels) AS pod_labels
    FROM mlobs.cost_pod_labels
    WHERE last_seen >= fromUnixTimestamp64Milli({from_ms:Int64} - {max_interval_ms:Int64}, 'UTC') AND first_seen < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
    GROUP BY namespace, pod
  ) AS l ON a.namespace = l.label_namespace AND a.pod = l.label_pod
);

DROP VIEW IF EXISTS mlobs.cost_gpu_usage ON CLUSTER mlobs;

CREATE VIEW IF NOT EXISTS mlobs.cost_gpu_usage ON CLUSTER mlobs AS
WITH
  (SELECT arraySort(arrayDistinct(arrayConcat([{from_ms:Int64}, {to_ms:Int64}],
     arrayFilter(c -> c > {from_ms:Int64} AND c < {to_ms:Int64}, arrayConcat(groupArray(valid_from_ms), groupArray(valid_to_ms))))))
   FROM mlobs.cost_prices) AS cuts,
  (SELECT groupArray((gpu_model, valid_from_ms, valid_to_ms, per_hour)) FROM mlobs.cost_prices) AS prices,
  (SELECT groupArray((h, samples)) FROM (
    SELECT toInt64(toUnixTimestamp(hour)) * 1000 AS h, samples
    FROM (
      SELECT DISTINCT hour, samples FROM mlobs.cost_gpu_hourly
      WHERE max_interval_ms = {max_interval_ms:Int64} AND idle_threshold = {idle_threshold:Float64} AND gpu_key = 0
        AND {max_interval_ms:Int64} <= 3600000
        AND hour >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AND hour <= fromUnixTimestamp64Milli({to_ms:Int64} - 3600000, 'UTC')
    )
    WHERE NOT arrayExists(c -> c > h AND c < h + 3600000, (SELECT arraySort(arrayDistinct(arrayConcat([{from_ms:Int64}, {to_ms:Int64}],
     arrayFilter(c -> c > {from_ms:Int64} AND c < {to_ms:Int64}, arrayConcat(groupArray(valid_from_ms), groupArray(valid_to_ms))))))
   FROM mlobs.cost_prices))
      AND (hour, samples) IN (
        SELECT hour, sum(samples) FROM (
          SELECT hour, samples FROM mlobs.cost_gpu_util_hours
          WHERE hour >= fromUnixTimestamp64Milli({from_ms:Int64} - 3600000, 'UTC') AND hour < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
          UNION ALL
          SELECT hour + 3600 AS hour, samples FROM mlobs.cost_gpu_util_hours
          WHERE hour >= fromUnixTimestamp64Milli({from_ms:Int64} - 2 * 3600000, 'UTC') AND hour < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
        )
        GROUP BY hour))) AS sealed_pairs,
  tupleElement(sealed_pairs, 1) AS sealed_hours,
  (
  SELECT arrayMap(g -> toDateTime(intDiv(g, 1000), 'UTC'),
    arrayFilter(g -> NOT (has(hs, g) AND (g + 3600000 >= {to_ms:Int64} OR has(hs, g + 3600000))),
      arrayMap(i -> intDiv({from_ms:Int64} - {max_interval_ms:Int64}, 3600000) * 3600000 + i * 3600000,
        range(toUInt64(intDiv({to_ms:Int64} - 1 - intDiv({from_ms:Int64} - {max_interval_ms:Int64}, 3600000) * 3600000, 3600000) + 1)))))
  FROM (SELECT groupArray(h) AS hs FROM (
    SELECT toInt64(toUnixTimestamp(hour)) * 1000 AS h, samples
    FROM (
      SELECT DISTINCT hour, samples FROM mlobs.cost_gpu_hourly
      WHERE max_interval_ms = {max_interval_ms:Int64} AND idle_threshold = {idle_threshold:Float64} AND gpu_key = 0
        AND {max_interval_ms:Int64} <= 3600000
        AND hour >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AND hour <= fromUnixTimestamp64Milli({to_ms:Int64} - 3600000, 'UTC')
    )
    WHERE NOT arrayExists(c -> c > h AND c < h + 3600000, (SELECT arraySort(arrayDistinct(arrayConcat([{from_ms:Int64}, {to_ms:Int64}],
     arrayFilter(c -> c > {from_ms:Int64} AND c < {to_ms:Int64}, arrayConcat(groupArray(valid_from_ms), groupArray(valid_to_ms))))))
   FROM mlobs.cost_prices))
      AND (hour, samples) IN (
        SELECT hour, sum(samples) FROM (
          SELECT hour, samples FROM mlobs.cost_gpu_util_hours
          WHERE hour >= fromUnixTimestamp64Milli({from_ms:Int64} - 3600000, 'UTC') AND hour < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
          UNION ALL
          SELECT hour + 3600 AS hour, samples FROM mlobs.cost_gpu_util_hours
          WHERE hour >= fromUnixTimestamp64Milli({from_ms:Int64} - 2 * 3600000, 'UTC') AND hour < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
        )
        GROUP BY hour)))
) AS raw_hours
SELECT hostname, uuid, gpu_i_id, model_name, gpu_i_profile, gpu_share, namespace, pod, labels,
  cuts[seg] AS segment_from_ms, cuts[seg + 1] AS segment_to_ms,
  observed_ms, busy_ms, idle_ms, per_hour,
  observed_ms * gpu_share / 3600000 AS gpu_hours,
  busy_ms * gpu_share / 3600000 AS busy_gpu_hours,
  idle_ms * gpu_share / 3600000 AS idle_gpu_hours,
  gpu_hours * per_hour AS cost,
  busy_gpu_hours * per_hour AS busy_cost,
  idle_gpu_hours * per_hour AS idle_cost
FROM (
  SELECT u.*, a.hostname, a.uuid, a.gpu_i_id, a.model_name, a.gpu_i_profile, a.namespace, a.pod, l.pod_labels AS labels,
    if(a.gpu_i_profile = '', 1.,
  if(toUInt8OrZero(extract(a.gpu_i_profile, '([0-9]+)g[.]')) BETWEEN 1 AND if(match(a.model_name, '(?i)A30'), 4, 7),
     toUInt8OrZero(extract(a.gpu_i_profile, '([0-9]+)g[.]')) / if(match(a.model_name, '(?i)A30'), 4, 7), NULL)) AS gpu_share,
    if(a.pod != '', u.low_ms, 0) AS idle_ms,
    arrayFirstIndex(p -> p.1 = a.model_name AND p.2 <= cuts[seg] AND cuts[seg] < p.3, prices) AS own,
    arrayFirstIndex(p -> p.1 = '' AND p.2 <= cuts[seg] AND cuts[seg] < p.3, prices) AS dflt,
    if(own > 0, prices[own].4, if(dflt > 0, prices[dflt].4, NULL)) AS per_hour
  FROM (
    SELECT gpu_key, alloc_key, seg, sum(observed_ms) AS observed_ms, sum(busy_ms) AS busy_ms, sum(low_ms) AS low_ms
    FROM (
    SELECT gpu_key, alloc_key, toUInt64(arrayFirstIndex(c -> c > toInt64(toUnixTimestamp(hour)) * 1000, cuts) - 1) AS seg, observed_ms, busy_ms, low_ms
    FROM mlobs.cost_gpu_hourly FINAL
    WHERE max_interval_ms = {max_interval_ms:Int64} AND idle_threshold = {idle_threshold:Float64} AND gpu_key != 0
      AND hour >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AND hour < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
      AND (toInt64(toUnixTimestamp(hour)) * 1000, samples) IN sealed_pairs
    UNION ALL
    SELECT gpu_key, alloc_key, toUInt64(seg) AS seg, sum(piece_ms) AS observed_ms, sum(piece_ms * util) AS busy_ms, sumIf(piece_ms, util < {idle_threshold:Float64}) AS low_ms
    FROM (
      SELECT gpu_key, alloc_key, util,
        arrayJoin(if(length(cuts) = 2, [1], arrayFilter(j -> cuts[j] < end_ms AND cuts[j + 1] > start_ms, range(1, length(cuts))))) AS seg,
        greatest(start_ms, cuts[seg]) AS a, least(end_ms, cuts[seg + 1]) AS b,
        intDiv(a, 3600000) * 3600000 AS h1, h1 + 3600000 AS h2,
        -- With an hour sealed the cap is at most an hour, so a piece spans at most two hours.
        arrayJoin(if(empty(sealed_hours), [toInt64(0)], arrayFilter((x, sealed) -> x < b AND NOT sealed, [h1, h2], [h1 IN sealed_hours, h2 IN sealed_hours]))) AS h,
        if(empty(sealed_hours), b - a, least(b, h + 3600000) - greatest(a, h)) AS piece_ms
      FROM (
        SELECT gpu_key, alloc_key, util, greatest(t, {from_ms:Int64}) AS start_ms,
          least(leadInFrame(t, 1, toInt64(9000000000000000)) OVER (PARTITION BY gpu_key ORDER BY t ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING),
                t + {max_interval_ms:Int64}, {to_ms:Int64}) AS end_ms
        FROM (
          SELECT gpu_key, alloc_key, toUnixTimestamp64Milli(ts) AS t, least(greatest(coalesce(gr_active, gpu_util / 100), 0), 1) AS util
          -- PREWHERE: filtered before FINAL folds rows (right, as ts is part of the key), so that only the
          -- needed hours of a day's parts are merged, not the whole day.
          FROM mlobs.cost_gpu_util FINAL
          PREWHERE ts >= fromUnixTimestamp64Milli({from_ms:Int64} - {max_interval_ms:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
            AND toStartOfHour(ts) IN raw_hours
        )
        -- A sample whose interval stays in sealed hours is not needed; dropping it leaves the next kept
        -- sample too late only for samples whose pieces in later hours are sealed anyway.
        WHERE NOT (intDiv(t, 3600000) * 3600000 IN sealed_hours
          AND (t + {max_interval_ms:Int64} <= intDiv(t, 3600000) * 3600000 + 3600000 OR (intDiv(t, 3600000) * 3600000 + 3600000 >= {to_ms:Int64} OR intDiv(t, 3600000) * 3600000 + 3600000 IN sealed_hours)))
      )
      WHERE end_ms > start_ms
    )
    WHERE piece_ms > 0
    GROUP BY gpu_key, alloc_key, seg
    )
    GROUP BY gpu_key, alloc_key, seg
  ) AS u
  LEFT JOIN (
    SELECT gpu_key, alloc_key, any(hostname) AS hostname, any(uuid) AS uuid, any(gpu_i_id) AS gpu_i_id, any(model_name) AS model_name,
      any(gpu_i_profile) AS gpu_i_profile, any(namespace) AS namespace, any(pod) AS pod
    FROM mlobs.cost_gpu_allocations
    -- Any unmerged row of an allocation seen in the window spans one of its samples there, so this keeps its names.
    WHERE last_seen >= fromUnixTimestamp64Milli({from_ms:Int64} - {max_interval_ms:Int64}, 'UTC') AND first_seen < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
    GROUP BY gpu_key, alloc_key
  ) AS a ON u.gpu_key = a.gpu_key AND u.alloc_key = a.alloc_key
  LEFT JOIN (
    SELECT namespace AS label_namespace, pod AS label_pod, any(labels) AS pod_labels
    FROM mlobs.cost_pod_labels
    WHERE last_seen >= fromUnixTimestamp64Milli({from_ms:Int64} - {max_interval_ms:Int64}, 'UTC') AND first_seen < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
    GROUP BY namespace, pod
  ) AS l ON a.namespace = l.label_namespace AND a.pod = l.label_pod
);

-- migration 200: drift references and results
CREATE TABLE IF NOT EXISTS mlobs.drift_reference_rows_local ON CLUSTER mlobs (
        model LowCardinality(String),
        version String,
        row UInt64,
        num_features Map(String, Float64),
        cat_features Map(String, String),
        null_features Array(String),
        prediction_num Nullable(Float64),
        prediction_cat Nullable(String),
        score Nullable(Float64),
        label_num Nullable(Float64),
        label_cat Nullable(String),
        segments Map(String, String)
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      ORDER BY (model, version, row)
      SETTINGS replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mlobs.drift_reference_rows ON CLUSTER mlobs AS mlobs.drift_reference_rows_local
      ENGINE = Distributed(mlobs, mlobs, drift_reference_rows_local, cityHash64(model, version, row));

CREATE TABLE IF NOT EXISTS mlobs.drift_reference_uploads_local ON CLUSTER mlobs (
        model LowCardinality(String),
        version String,
        rows UInt64,
        complete UInt8,
        updated_at DateTime64(3, 'UTC')
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', updated_at)
      ORDER BY (model, version);

CREATE TABLE IF NOT EXISTS mlobs.drift_reference_uploads ON CLUSTER mlobs AS mlobs.drift_reference_uploads_local
      ENGINE = Distributed(mlobs, mlobs, drift_reference_uploads_local, cityHash64(model, version));

CREATE TABLE IF NOT EXISTS mlobs.drift_reference_decl_local ON CLUSTER mlobs (
        model LowCardinality(String),
        spec String,
        updated_at DateTime64(3, 'UTC')
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', updated_at)
      ORDER BY model;

CREATE TABLE IF NOT EXISTS mlobs.drift_reference_decl ON CLUSTER mlobs AS mlobs.drift_reference_decl_local
      ENGINE = Distributed(mlobs, mlobs, drift_reference_decl_local, cityHash64(model));

CREATE TABLE IF NOT EXISTS mlobs.drift_results_local ON CLUSTER mlobs (
        model LowCardinality(String),
        window_start DateTime64(3, 'UTC'),
        window_end DateTime64(3, 'UTC'),
        feature LowCardinality(String),
        kind LowCardinality(String),
        method LowCardinality(String),
        value Nullable(Float64),
        p_value Nullable(Float64),
        threshold Nullable(Float64),
        drifted Nullable(UInt8),
        status LowCardinality(String),
        message String,
        n_reference UInt64,
        n_current UInt64,
        missing_reference Nullable(Float64),
        missing_current Nullable(Float64),
        reference String,
        computed_at DateTime64(3, 'UTC')
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', computed_at)
      PARTITION BY toYYYYMM(window_start)
      ORDER BY (model, feature, method, window_start, window_end)
      TTL toDateTime(window_start) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS mlobs.drift_results ON CLUSTER mlobs AS mlobs.drift_results_local
      ENGINE = Distributed(mlobs, mlobs, drift_results_local, cityHash64(model, feature, method, window_start, window_end));

CREATE TABLE IF NOT EXISTS mlobs.drift_segment_results_local ON CLUSTER mlobs (
        model LowCardinality(String),
        window_start DateTime64(3, 'UTC'),
        window_end DateTime64(3, 'UTC'),
        segment_name LowCardinality(String),
        segment_value String,
        feature LowCardinality(String),
        kind LowCardinality(String),
        method LowCardinality(String),
        value Nullable(Float64),
        p_value Nullable(Float64),
        threshold Nullable(Float64),
        drifted Nullable(UInt8),
        status LowCardinality(String),
        message String,
        n_reference UInt64,
        n_current UInt64,
        missing_reference Nullable(Float64),
        missing_current Nullable(Float64),
        reference String,
        computed_at DateTime64(3, 'UTC')
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', computed_at)
      PARTITION BY toYYYYMM(window_start)
      ORDER BY (model, segment_name, segment_value, feature, method, window_start, window_end)
      TTL toDateTime(window_start) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS mlobs.drift_segment_results ON CLUSTER mlobs AS mlobs.drift_segment_results_local
      ENGINE = Distributed(mlobs, mlobs, drift_segment_results_local, cityHash64(model, segment_name, segment_value, feature, method, window_start, window_end));

-- migration 201: drift evaluation log
CREATE TABLE IF NOT EXISTS mlobs.drift_evaluations_local ON CLUSTER mlobs (
        model LowCardinality(String),
        window_start DateTime64(3, 'UTC'),
        window_end DateTime64(3, 'UTC'),
        fingerprint String,
        evaluated_at DateTime64(3, 'UTC')
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', evaluated_at)
      PARTITION BY toYYYYMM(window_start)
      ORDER BY (model, window_start, window_end)
      TTL toDateTime(window_start) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS mlobs.drift_evaluations ON CLUSTER mlobs AS mlobs.drift_evaluations_local
      ENGINE = Distributed(mlobs, mlobs, drift_evaluations_local, cityHash64(model, window_start, window_end));

-- migration 210: drift_reference_rows.embeddings
ALTER TABLE mlobs.drift_reference_rows_local ON CLUSTER mlobs ADD COLUMN IF NOT EXISTS embeddings Map(String, Array(Float32));

ALTER TABLE mlobs.drift_reference_rows ON CLUSTER mlobs ADD COLUMN IF NOT EXISTS embeddings Map(String, Array(Float32));

-- migration 240: embeddings one vector a row (prediction_embeddings, drift_reference_embeddings)
CREATE TABLE IF NOT EXISTS mlobs.prediction_embeddings_local ON CLUSTER mlobs (
        model LowCardinality(String),
        name LowCardinality(String),
        ts DateTime64(3, 'UTC'),
        prediction_id String,
        model_version LowCardinality(String),
        segments Map(String, String),
        vector Array(Float32)
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      PARTITION BY toYYYYMMDD(ts)
      ORDER BY (model, name, ts, prediction_id)
      TTL toDateTime(ts) + INTERVAL 90 DAY
      SETTINGS replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mlobs.prediction_embeddings ON CLUSTER mlobs AS mlobs.prediction_embeddings_local
      ENGINE = Distributed(mlobs, mlobs, prediction_embeddings_local, cityHash64(model, prediction_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS mlobs.prediction_embeddings_mv ON CLUSTER mlobs TO mlobs.prediction_embeddings_local AS SELECT model, name, ts, prediction_id, model_version, segments, vector FROM mlobs.predictions_local ARRAY JOIN mapKeys(embeddings) AS name, mapValues(embeddings) AS vector;

INSERT INTO mlobs.prediction_embeddings SELECT model, name, ts, prediction_id, model_version, segments, vector FROM mlobs.predictions ARRAY JOIN mapKeys(embeddings) AS name, mapValues(embeddings) AS vector;

CREATE TABLE IF NOT EXISTS mlobs.drift_reference_embeddings_local ON CLUSTER mlobs (
        model LowCardinality(String),
        version String,
        name LowCardinality(String),
        row UInt64,
        segments Map(String, String),
        vector Array(Float32)
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      ORDER BY (model, version, name, row)
      SETTINGS replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mlobs.drift_reference_embeddings ON CLUSTER mlobs AS mlobs.drift_reference_embeddings_local
      ENGINE = Distributed(mlobs, mlobs, drift_reference_embeddings_local, cityHash64(model, version, row));

CREATE MATERIALIZED VIEW IF NOT EXISTS mlobs.drift_reference_embeddings_mv ON CLUSTER mlobs TO mlobs.drift_reference_embeddings_local AS SELECT model, version, name, row, segments, vector FROM mlobs.drift_reference_rows_local ARRAY JOIN mapKeys(embeddings) AS name, mapValues(embeddings) AS vector;

INSERT INTO mlobs.drift_reference_embeddings SELECT model, version, name, row, segments, vector FROM mlobs.drift_reference_rows ARRAY JOIN mapKeys(embeddings) AS name, mapValues(embeddings) AS vector;

-- migration 300: alerting state
CREATE TABLE IF NOT EXISTS mlobs.alerting_alerts_local ON CLUSTER mlobs (
        fingerprint String,
        rule String,
        labels Map(String, String),
        annotations Map(String, String),
        state LowCardinality(String),
        active_at_ms Int64,
        fired_at_ms Int64,
        resolved_at_ms Int64,
        last_active_ms Int64,
        value Float64,
        version UInt64
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version) ORDER BY fingerprint;

CREATE TABLE IF NOT EXISTS mlobs.alerting_alerts ON CLUSTER mlobs AS mlobs.alerting_alerts_local
      ENGINE = Distributed(mlobs, mlobs, alerting_alerts_local, cityHash64(fingerprint));

CREATE TABLE IF NOT EXISTS mlobs.alerting_silences_local ON CLUSTER mlobs (
        id String,
        matchers Array(String),
        starts_at_ms Int64,
        ends_at_ms Int64,
        created_by String,
        comment String,
        updated_at_ms Int64,
        version UInt64
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version) ORDER BY id;

CREATE TABLE IF NOT EXISTS mlobs.alerting_silences ON CLUSTER mlobs AS mlobs.alerting_silences_local
      ENGINE = Distributed(mlobs, mlobs, alerting_silences_local, cityHash64(id));

CREATE TABLE IF NOT EXISTS mlobs.alerting_nflog_local ON CLUSTER mlobs (
        receiver String,
        group_key String,
        firing Array(String),
        resolved Array(String),
        sent_at_ms Int64,
        version UInt64
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version) ORDER BY (receiver, group_key);

CREATE TABLE IF NOT EXISTS mlobs.alerting_nflog ON CLUSTER mlobs AS mlobs.alerting_nflog_local
      ENGINE = Distributed(mlobs, mlobs, alerting_nflog_local, cityHash64(receiver, group_key));

-- migration 400: model registry events
CREATE TABLE IF NOT EXISTS mlobs.registry_events_local ON CLUSTER mlobs (
        source LowCardinality(String),
        delivery_id String,
        event LowCardinality(String),
        model LowCardinality(String),
        version String,
        alias String,
        ts DateTime64(3, 'UTC'),
        received_at DateTime64(3, 'UTC'),
        payload String
      ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      ORDER BY (model, source, delivery_id)
      SETTINGS replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mlobs.registry_events ON CLUSTER mlobs AS mlobs.registry_events_local
      ENGINE = Distributed(mlobs, mlobs, registry_events_local, cityHash64(model, source, delivery_id));
