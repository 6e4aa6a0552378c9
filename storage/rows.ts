import type { DeadLetterEvent, GpuSampleEvent, LabelEvent, PipelineEvent, PredictionEvent } from '../core/schemas/events.js';
import type { KserveEvent } from '../core/schemas/kserve.js';
import type { OtelSpanEvent } from '../core/schemas/otel-span.js';
import type { EventKind } from '../core/schemas/kinds.js';
import type { EventOf } from '../core/schemas/validate.js';
import { otelLogRow, otelMetricGaugeRow, otelMetricHistogramRow, otelMetricSumRow } from './rows-otel.js';

// DateTime64(3) parses decimal seconds exactly; epoch-ms integers would be read as seconds.
const dt = (ms: number) => (ms / 1000).toFixed(3);
const dtOrNull = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : dt(ms));

/** A prediction, label or score value as its numeric and categorical columns (booleans are categories). */
export function splitValue(v: number | string | boolean | null | undefined): { num: number | null; cat: string | null } {
  if (v === null || v === undefined) return { num: null, cat: null };
  if (typeof v === 'number') return { num: v, cat: null };
  return { num: null, cat: String(v) };
}

/** A feature map as the three feature columns: numbers, categories, and the names of null features. */
export function splitFeatures(features: Record<string, number | string | boolean | null>) {
  const num_features: Record<string, number> = {};
  const cat_features: Record<string, string> = {};
  const null_features: string[] = [];
  for (const k in features) {
    const v = features[k];
    if (v === null || v === undefined) null_features.push(k);
    else if (typeof v === 'number') num_features[k] = v;
    else cat_features[k] = String(v);
  }
  return { num_features, cat_features, null_features };
}

/** Maps a validated prediction to its `predictions` row: numbers, categories and nulls in separate maps. */
export function predictionRow(e: PredictionEvent, receivedAtMs: number) {
  const p = splitValue(e.prediction);
  return {
    model: e.model,
    model_version: e.model_version,
    prediction_id: e.prediction_id,
    ts: dt(e.timestamp),
    ...splitFeatures(e.features),
    prediction_num: p.num,
    prediction_cat: p.cat,
    score: e.score ?? null,
    latency_ms: e.latency_ms ?? null,
    ttft_ms: e.ttft_ms ?? null,
    embeddings: e.embeddings ?? {},
    status: e.status,
    segments: e.segments,
    received_at: dt(receivedAtMs),
  };
}

export function labelRow(e: LabelEvent, receivedAtMs: number) {
  const l = splitValue(e.label);
  return { model: e.model, prediction_id: e.prediction_id, ts: dt(e.timestamp), label_num: l.num, label_cat: l.cat, received_at: dt(receivedAtMs) };
}

export function pipelineEventRow(e: PipelineEvent, receivedAtMs: number, fallbackId: string) {
  return {
    event_id: e.event_id ?? fallbackId,
    pipeline: e.pipeline,
    run_id: e.run_id,
    task: e.task,
    status: e.status,
    ts: dt(e.timestamp),
    started_at: dtOrNull(e.started_at),
    finished_at: dtOrNull(e.finished_at),
    nominal_start: dtOrNull(e.nominal_start),
    nominal_end: dtOrNull(e.nominal_end),
    duration_ms: e.duration_ms ?? (e.started_at != null && e.finished_at != null ? e.finished_at - e.started_at : null),
    rows_in: e.rows_in ?? null,
    rows_out: e.rows_out ?? null,
    error: e.error,
    received_at: dt(receivedAtMs),
  };
}

export function gpuSampleRow(e: GpuSampleEvent) {
  // The JSON input formats read the bare words nan/inf/-inf for Float64.
  const value = e.value === 'NaN' ? 'nan' : e.value === '+Inf' ? 'inf' : e.value === '-Inf' ? '-inf' : e.value;
  const { timestamp, ...rest } = e;
  return { ...rest, ts: dt(timestamp), value };
}

export function kserveHalfRow(e: KserveEvent, receivedAtMs: number) {
  const { timestamp, ...rest } = e;
  return { ...rest, ts: dt(timestamp), received_at: dt(receivedAtMs) };
}

/** Nanoseconds since the epoch (decimal digits) as the decimal seconds DateTime64(9) parses exactly. */
export const nanosAsSeconds = (ns: string) => {
  const p = ns.padStart(10, '0');
  return `${p.slice(0, -9)}.${p.slice(-9)}`;
};

/** A span as its `otel_traces` row: the exporter's column names, Nested columns as parallel arrays. */
export function otelSpanRow(e: OtelSpanEvent) {
  return {
    Timestamp: nanosAsSeconds(e.start_time_unix_nano),
    TraceId: e.trace_id,
    SpanId: e.span_id,
    ParentSpanId: e.parent_span_id,
    TraceState: e.trace_state,
    SpanName: e.span_name,
    SpanKind: e.span_kind,
    ServiceName: e.service_name,
    ResourceAttributes: e.resource_attributes,
    ScopeName: e.scope_name,
    ScopeVersion: e.scope_version,
    SpanAttributes: e.span_attributes,
    // UInt64 as text: a duration in ns may pass 2^53.
    Duration: e.duration_ns,
    StatusCode: e.status_code,
    StatusMessage: e.status_message,
    'Events.Timestamp': e.events.map((x) => nanosAsSeconds(x.time_unix_nano)),
    'Events.Name': e.events.map((x) => x.name),
    'Events.Attributes': e.events.map((x) => x.attributes),
    'Links.TraceId': e.links.map((x) => x.trace_id),
    'Links.SpanId': e.links.map((x) => x.span_id),
    'Links.TraceState': e.links.map((x) => x.trace_state),
    'Links.Attributes': e.links.map((x) => x.attributes),
  };
}

export function deadLetterRow(e: DeadLetterEvent) {
  return { ...e, received_at: dt(e.received_at) };
}

/** Row builders per kind; `id` is a stable identity of the message (e.g. topic/partition/offset) for kinds without their own. */
export const ROW_BUILDERS: { [K in EventKind]: (e: EventOf<K>, ctx: { receivedAtMs: number; id: string }) => object } = {
  prediction: (e, c) => predictionRow(e, c.receivedAtMs),
  label: (e, c) => labelRow(e, c.receivedAtMs),
  pipeline_event: (e, c) => pipelineEventRow(e, c.receivedAtMs, c.id),
  gpu_sample: (e) => gpuSampleRow(e),
  dead_letter: (e) => deadLetterRow(e),
  kserve_event: (e, c) => kserveHalfRow(e, c.receivedAtMs),
  otel_span: (e) => otelSpanRow(e),
  otel_metric_gauge: (e) => otelMetricGaugeRow(e),
  otel_metric_sum: (e) => otelMetricSumRow(e),
  otel_metric_histogram: (e) => otelMetricHistogramRow(e),
  otel_log: (e) => otelLogRow(e),
};

/** The row of a validated event of `kind`: the event's type follows its kind from schema to row. */
export function buildRow<K extends EventKind>(kind: K, e: EventOf<K>, ctx: { receivedAtMs: number; id: string }): object {
  return (ROW_BUILDERS[kind] as (e: EventOf<K>, ctx: { receivedAtMs: number; id: string }) => object)(e, ctx);
}
