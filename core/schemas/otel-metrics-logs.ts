// Bus forms of OpenTelemetry metric data points and log records: one event per data point / log
// record, flattened with its resource and scope, snake_case twins of the ClickHouse exporter's
// columns (storage/rows-otel.ts maps them). Outside producers may write them to Kafka too, so they
// are validated like every other kind.
import { z } from 'zod';
import { text } from './common.js';

const MAX_ATTRIBUTES = 512;
const MAX_VALUE = 65_536;

// Timestamps outside these years are almost always unit mistakes, as for epoch-millisecond events.
const MIN_NS = BigInt(Date.UTC(2000, 0, 1)) * 1_000_000n;
const MAX_NS = BigInt(Date.UTC(2100, 0, 1)) * 1_000_000n;

/** An instant in epoch nanoseconds as decimal text (OTLP's fixed64, exact beyond 2^53), between 2000 and 2100. */
export const unixNano = z.string().refine((s) => /^\d{1,20}$/.test(s) && BigInt(s) >= MIN_NS && BigInt(s) < MAX_NS, {
  message: 'not epoch nanoseconds between 2000 and 2100 as decimal text',
});
/** Like unixNano, but "0" (unset, e.g. a gauge's start time) is allowed. */
export const unixNanoOrZero = z.union([z.literal('0'), unixNano]);

/** Epoch milliseconds of an epoch-nanosecond text (floor). */
export function nanosToMs(ns: string): number {
  return Number(BigInt(ns) / 1_000_000n);
}

/** Attributes as the exporter stores them: string keys to string values (non-strings encoded, see collector/otlp/README.md). */
export const attributeMap = z
  .record(text(1024), text(MAX_VALUE))
  .refine((m) => Object.keys(m).length <= MAX_ATTRIBUTES, `more than ${MAX_ATTRIBUTES} attributes`);

/** A Float64 as JSON can carry it: NaN and ±Inf travel as strings, as for gpu_sample. */
export const float64 = z.union([z.number(), z.enum(['NaN', '+Inf', '-Inf'])]);

const hexId = (bytes: number) => z.string().regex(new RegExp(`^(?:[0-9a-f]{${bytes * 2}})?$`), `not ${bytes} bytes as lower-case hex (or empty)`);
export const traceIdHex = hexId(16);
export const spanIdHex = hexId(8);

/** What every metric data point carries: its resource, scope, metric and own attributes. */
const metricBase = {
  resource_attributes: attributeMap.default({}),
  resource_schema_url: text(1024).default(''),
  scope_name: text(1024).default(''),
  scope_version: text(256).default(''),
  scope_attributes: attributeMap.default({}),
  scope_dropped_attr_count: z.number().int().nonnegative().default(0),
  scope_schema_url: text(1024).default(''),
  service_name: text(1024).default(''),
  metric_name: text(1024).min(1, 'metric_name must not be empty'),
  metric_description: text(MAX_VALUE).default(''),
  metric_unit: text(256).default(''),
  attributes: attributeMap.default({}),
  start_time_unix_nano: unixNanoOrZero.default('0'),
  time_unix_nano: unixNano,
  flags: z.number().int().nonnegative().default(0),
  exemplars: z
    .array(
      z
        .object({
          filtered_attributes: attributeMap.default({}),
          time_unix_nano: unixNanoOrZero,
          value: float64,
          span_id: spanIdHex.default(''),
          trace_id: traceIdHex.default(''),
        })
        .strict(),
    )
    .max(256)
    .default([]),
};

/** One gauge data point (`otel_metrics_gauge`). */
export const otelMetricGaugeEvent = z.object({ ...metricBase, value: float64 }).strict();
export type OtelMetricGaugeEvent = z.infer<typeof otelMetricGaugeEvent>;

/** One sum data point (`otel_metrics_sum`): temporality 1 delta, 2 cumulative (0 unspecified). */
export const otelMetricSumEvent = z
  .object({
    ...metricBase,
    value: float64,
    aggregation_temporality: z.number().int().min(0).max(2).default(0),
    is_monotonic: z.boolean().default(false),
  })
  .strict();
export type OtelMetricSumEvent = z.infer<typeof otelMetricSumEvent>;

/** One explicit-bucket histogram data point (`otel_metrics_histogram`); counts as numbers (exact up to 2^53). */
export const otelMetricHistogramEvent = z
  .object({
    ...metricBase,
    count: z.number().int().nonnegative(),
    sum: float64.default(0),
    bucket_counts: z.array(z.number().int().nonnegative()).max(4096).default([]),
    explicit_bounds: z.array(z.number()).max(4096).default([]),
    min: float64.default(0),
    max: float64.default(0),
    aggregation_temporality: z.number().int().min(0).max(2).default(0),
  })
  .strict()
  .refine((h) => h.bucket_counts.length === 0 || h.bucket_counts.length === h.explicit_bounds.length + 1, {
    message: 'bucket_counts must hold one more entry than explicit_bounds',
    path: ['bucket_counts'],
  });
export type OtelMetricHistogramEvent = z.infer<typeof otelMetricHistogramEvent>;

/** One log record (`otel_logs`); `time_unix_nano` is its time, or its observed time when it had none, as the exporter stores it. */
export const otelLogEvent = z
  .object({
    time_unix_nano: unixNano,
    trace_id: traceIdHex.default(''),
    span_id: spanIdHex.default(''),
    trace_flags: z.number().int().min(0).max(255).default(0),
    severity_text: text(256).default(''),
    severity_number: z.number().int().min(0).max(255).default(0),
    service_name: text(1024).default(''),
    body: text(1_048_576).default(''),
    resource_schema_url: text(1024).default(''),
    resource_attributes: attributeMap.default({}),
    scope_schema_url: text(1024).default(''),
    scope_name: text(1024).default(''),
    scope_version: text(256).default(''),
    scope_attributes: attributeMap.default({}),
    log_attributes: attributeMap.default({}),
    event_name: text(1024).default(''),
  })
  .strict();
export type OtelLogEvent = z.infer<typeof otelLogEvent>;
