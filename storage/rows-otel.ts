// Rows of the OpenTelemetry metric and log tables, column for column as the Collector's ClickHouse
// exporter names them (storage/testdata/otel/*.sql holds the DDL and its deviations).
import type { OtelLogEvent, OtelMetricGaugeEvent, OtelMetricHistogramEvent, OtelMetricSumEvent } from '../core/schemas/otel-metrics-logs.js';

/**
 * Epoch nanoseconds as the decimal seconds DateTime64(9) parses exactly ("1700000000123456789" →
 * "1700000000.123456789"). Ten integer digits always: the engine reads a shorter number as a date.
 */
export function nanosToDateTime64(ns: string): string {
  const padded = ns.padStart(19, '0');
  return `${padded.slice(0, -9)}.${padded.slice(-9)}`;
}

/** A Float64 for the JSON input formats, which read the bare words nan/inf/-inf. */
function float(v: number | 'NaN' | '+Inf' | '-Inf'): number | string {
  return v === 'NaN' ? 'nan' : v === '+Inf' ? 'inf' : v === '-Inf' ? '-inf' : v;
}

type MetricBase = Omit<OtelMetricGaugeEvent, 'value'>;

function metricColumns(e: MetricBase) {
  return {
    ResourceAttributes: e.resource_attributes,
    ResourceSchemaUrl: e.resource_schema_url,
    ScopeName: e.scope_name,
    ScopeVersion: e.scope_version,
    ScopeAttributes: e.scope_attributes,
    ScopeDroppedAttrCount: e.scope_dropped_attr_count,
    ScopeSchemaUrl: e.scope_schema_url,
    ServiceName: e.service_name,
    MetricName: e.metric_name,
    MetricDescription: e.metric_description,
    MetricUnit: e.metric_unit,
    Attributes: e.attributes,
    StartTimeUnix: nanosToDateTime64(e.start_time_unix_nano),
    TimeUnix: nanosToDateTime64(e.time_unix_nano),
    Flags: e.flags,
    // Nested columns are inserted as their parallel arrays.
    'Exemplars.FilteredAttributes': e.exemplars.map((x) => x.filtered_attributes),
    'Exemplars.TimeUnix': e.exemplars.map((x) => nanosToDateTime64(x.time_unix_nano)),
    'Exemplars.Value': e.exemplars.map((x) => float(x.value)),
    'Exemplars.SpanId': e.exemplars.map((x) => x.span_id),
    'Exemplars.TraceId': e.exemplars.map((x) => x.trace_id),
  };
}

export function otelMetricGaugeRow(e: OtelMetricGaugeEvent) {
  return { ...metricColumns(e), Value: float(e.value) };
}

export function otelMetricSumRow(e: OtelMetricSumEvent) {
  return { ...metricColumns(e), Value: float(e.value), AggregationTemporality: e.aggregation_temporality, IsMonotonic: e.is_monotonic };
}

export function otelMetricHistogramRow(e: OtelMetricHistogramEvent) {
  return {
    ...metricColumns(e),
    Count: e.count,
    Sum: float(e.sum),
    BucketCounts: e.bucket_counts,
    ExplicitBounds: e.explicit_bounds,
    Min: float(e.min),
    Max: float(e.max),
    AggregationTemporality: e.aggregation_temporality,
  };
}

export function otelLogRow(e: OtelLogEvent) {
  return {
    Timestamp: nanosToDateTime64(e.time_unix_nano),
    TraceId: e.trace_id,
    SpanId: e.span_id,
    TraceFlags: e.trace_flags,
    SeverityText: e.severity_text,
    SeverityNumber: e.severity_number,
    ServiceName: e.service_name,
    Body: e.body,
    ResourceSchemaUrl: e.resource_schema_url,
    ResourceAttributes: e.resource_attributes,
    ScopeSchemaUrl: e.scope_schema_url,
    ScopeName: e.scope_name,
    ScopeVersion: e.scope_version,
    ScopeAttributes: e.scope_attributes,
    LogAttributes: e.log_attributes,
    EventName: e.event_name,
  };
}
