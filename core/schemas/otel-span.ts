import { z } from 'zod';
import { text, timestampMs } from './common.js';

const MAX_ATTRIBUTES = 1000;
const MAX_VALUE = 64 * 1024;
const hexId = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `must be ${bytes} bytes as lowercase hex`);
const unixNano = z.string().regex(/^\d{1,20}$/, 'must be nanoseconds since the epoch as decimal digits');
/** Attributes as the ClickHouse exporter stores them: every value as text (collector/otlp/README.md). */
const attributes = z
  .record(text(1024), text(MAX_VALUE))
  .refine((a) => Object.keys(a).length <= MAX_ATTRIBUTES, `more than ${MAX_ATTRIBUTES} attributes`)
  .default({});

/**
 * One span as it travels on the bus, already in the shape of an `otel_traces` row of the
 * OpenTelemetry Collector's ClickHouse exporter (ids as hex, kind and status as their proto names).
 */
export const otelSpanEvent = z
  .object({
    // Epoch ms of the start, for the retention check every kind gets; the row keeps the nanoseconds.
    timestamp: timestampMs,
    start_time_unix_nano: unixNano,
    trace_id: hexId(16),
    span_id: hexId(8),
    parent_span_id: z.union([hexId(8), z.literal('')]).default(''),
    trace_state: text(4096).default(''),
    span_name: text(1024),
    span_kind: z.enum(['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER']),
    service_name: text(1024).default(''),
    resource_attributes: attributes,
    scope_name: text(1024).default(''),
    scope_version: text(1024).default(''),
    span_attributes: attributes,
    duration_ns: unixNano,
    status_code: z.enum(['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR']),
    status_message: text(MAX_VALUE).default(''),
    events: z.array(z.object({ time_unix_nano: unixNano, name: text(1024), attributes }).strict()).max(10_000).default([]),
    links: z.array(z.object({ trace_id: hexId(16), span_id: hexId(8), trace_state: text(4096).default(''), attributes }).strict()).max(10_000).default([]),
  })
  .strict();
export type OtelSpanEvent = z.infer<typeof otelSpanEvent>;
