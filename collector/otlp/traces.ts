import type { OtelSpanEvent } from '../../core/schemas/otel-span.js';
import { attributesToMap, type KeyValue, type OtlpSpan } from './attributes.js';
import type { ConvertContext, Converted, Converter } from './converter.js';
import { spanPrediction } from './span-prediction.js';

const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'] as const;
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;

const hex = (b: Buffer | undefined) => (b ? b.toString('hex') : '');
// The spec calls an all-zero id invalid, the same as a missing one.
const validId = (b: Buffer | undefined, bytes: number) => b !== undefined && b.length === bytes && b.some((x) => x !== 0);
const nanos = (s: string | undefined) => {
  try {
    return BigInt(s ?? '0');
  } catch {
    return 0n;
  }
};

/** One span as an `otel_span` event: the exporter's row, with attribute values as the exporter writes them. */
export function spanEvent(span: OtlpSpan, resource: { attributes: Record<string, string>; serviceName: string }, scope: { name: string; version: string }): OtelSpanEvent {
  const start = nanos(span.startTimeUnixNano);
  const end = nanos(span.endTimeUnixNano);
  return {
    timestamp: Number(start / 1_000_000n),
    start_time_unix_nano: start.toString(),
    trace_id: hex(span.traceId),
    span_id: hex(span.spanId),
    parent_span_id: hex(span.parentSpanId),
    trace_state: span.traceState ?? '',
    span_name: span.name ?? '',
    span_kind: SPAN_KINDS[span.kind ?? 0] ?? 'SPAN_KIND_UNSPECIFIED',
    service_name: resource.serviceName,
    resource_attributes: resource.attributes,
    scope_name: scope.name,
    scope_version: scope.version,
    span_attributes: attributesToMap(span.attributes),
    // A span that ends before it starts is a clock problem of the sender; its duration is not negative.
    duration_ns: (end > start ? end - start : 0n).toString(),
    status_code: STATUS_CODES[span.status?.code ?? 0] ?? 'STATUS_CODE_UNSET',
    status_message: span.status?.message ?? '',
    events: (span.events ?? []).map((e) => ({ time_unix_nano: nanos(e.timeUnixNano).toString(), name: e.name ?? '', attributes: attributesToMap(e.attributes) })),
    links: (span.links ?? []).map((l) => ({ trace_id: hex(l.traceId), span_id: hex(l.spanId), trace_state: l.traceState ?? '', attributes: attributesToMap(l.attributes) })),
  };
}

/**
 * OTLP traces → `otel_span` events (one per span) and, for inference spans, `prediction` events
 * (span-prediction.ts). A span without a valid trace id or span id is rejected with a reason; the
 * others of the request are still stored.
 */
export const convertTraces: Converter = (request, ctx: ConvertContext): Converted => {
  const out: Converted = { events: [], rejected: 0, errors: [] };
  let noTrace = 0;
  let noSpan = 0;
  for (const rs of request.resourceSpans ?? []) {
    const resourceKvs: KeyValue[] = rs.resource?.attributes ?? [];
    const resourceAttributes = attributesToMap(resourceKvs);
    const serviceName = resourceAttributes['service.name'] ?? '';
    const resource = { attributes: resourceAttributes, serviceName };
    for (const ss of rs.scopeSpans ?? []) {
      const scope = { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' };
      for (const span of (ss.spans ?? []) as OtlpSpan[]) {
        if (!validId(span.traceId, 16)) {
          noTrace++;
          continue;
        }
        if (!validId(span.spanId, 8)) {
          noSpan++;
          continue;
        }
        const event = spanEvent(span, resource, scope);
        out.events.push({ kind: 'otel_span', key: event.trace_id, event });
        const prediction = spanPrediction(span, event, resourceKvs, ctx.otlp.predictions);
        if (prediction) out.events.push({ kind: 'prediction', key: prediction.model as string, event: prediction });
      }
    }
  }
  if (noTrace) out.errors.push(`${noTrace} spans have no valid trace_id (16 bytes, not all zero)`);
  if (noSpan) out.errors.push(`${noSpan} spans have no valid span_id (8 bytes, not all zero)`);
  out.rejected = noTrace + noSpan;
  return out;
};
