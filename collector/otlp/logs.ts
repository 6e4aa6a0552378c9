import type { EventKind } from '../../core/schemas/kinds.js';
import { attributesToMap, valueAsString, type AnyValue, type KeyValue } from './attributes.js';
import type { Converted, Converter } from './converter.js';

// OTLP logs → events: every record goes to otel_logs as the exporter stores it; a record whose event
// name is mlobs.prediction, mlobs.label or mlobs.pipeline_event also becomes that event, its body
// being the event (a map body, or a JSON string body), validated by the same schema as the JSON
// endpoints at the receiver.

/** Log event names that carry an mlobs event, and the kind each becomes. */
export const LOG_EVENT_KINDS: Readonly<Record<string, EventKind>> = {
  'mlobs.prediction': 'prediction',
  'mlobs.label': 'label',
  'mlobs.pipeline_event': 'pipeline_event',
};

const hex = (b: Buffer | Uint8Array | undefined) => (b && b.length ? Buffer.from(b).toString('hex') : '');
const nanos = (v: string | number | undefined) => (v === undefined ? '0' : String(v));

/**
 * A body value as plain JSON: maps become objects, arrays arrays, ints numbers (exact up to 2^53;
 * larger ones keep their digits as text, which the schemas then refuse by name), bytes base64.
 */
export function plainValue(v: AnyValue | undefined): unknown {
  switch (v?.value) {
    case 'stringValue': return v.stringValue ?? '';
    case 'boolValue': return v.boolValue ?? false;
    case 'intValue': {
      const n = Number(v.intValue ?? 0);
      return Number.isSafeInteger(n) ? n : String(v.intValue);
    }
    case 'doubleValue': return v.doubleValue ?? 0;
    case 'bytesValue': return Buffer.from(v.bytesValue ?? []).toString('base64');
    case 'arrayValue': return (v.arrayValue?.values ?? []).map(plainValue);
    case 'kvlistValue': {
      const o: Record<string, unknown> = {};
      for (const kv of (v.kvlistValue?.values ?? []) as KeyValue[]) o[kv.key ?? ''] = plainValue(kv.value);
      return o;
    }
    default: return null;
  }
}

/** The mlobs event a record's body holds, or why it holds none. */
function bodyEvent(body: AnyValue | undefined, timeMs: number): { event: Record<string, unknown> } | { error: string } {
  let value: unknown;
  if (body?.value === 'kvlistValue') value = plainValue(body);
  else if (body?.value === 'stringValue') {
    try {
      value = JSON.parse(body.stringValue ?? '');
    } catch (e) {
      return { error: `body is a string but not JSON: ${(e as Error).message}` };
    }
  } else return { error: `body must be a map or a JSON string holding the event, not ${body?.value ?? 'empty'}` };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'body must hold one event object' };
  // The record's own time is the event's time unless the body says otherwise.
  const event = value as Record<string, unknown>;
  return { event: 'timestamp' in event ? event : { ...event, timestamp: timeMs } };
}

export const convertLogs: Converter = (request) => {
  const out: Converted = { events: [], rejected: 0, errors: [] };
  const refuse = (why: string) => {
    out.rejected++;
    if (out.errors.length < 10) out.errors.push(why);
  };
  for (const rl of (request.resourceLogs ?? []) as Record<string, any>[]) {
    const resourceAttributes = attributesToMap(rl.resource?.attributes);
    for (const sl of (rl.scopeLogs ?? []) as Record<string, any>[]) {
      for (const lr of (sl.logRecords ?? []) as Record<string, any>[]) {
        // As the exporter: the record's time, else the time it was observed.
        const own = nanos(lr.timeUnixNano);
        const time = own !== '0' ? own : nanos(lr.observedTimeUnixNano);
        if (time === '0') {
          refuse('a log record has neither time_unix_nano nor observed_time_unix_nano');
          continue;
        }
        const logAttributes = attributesToMap(lr.attributes);
        out.events.push({
          kind: 'otel_log',
          key: resourceAttributes['service.name'] ?? '',
          event: {
            time_unix_nano: time,
            trace_id: hex(lr.traceId),
            span_id: hex(lr.spanId),
            // The low byte of flags is the W3C trace flags, which is what the column holds.
            trace_flags: (lr.flags ?? 0) & 0xff,
            severity_text: lr.severityText ?? '',
            severity_number: lr.severityNumber ?? 0,
            service_name: resourceAttributes['service.name'] ?? '',
            body: valueAsString(lr.body),
            resource_schema_url: rl.schemaUrl ?? '',
            resource_attributes: resourceAttributes,
            scope_schema_url: sl.schemaUrl ?? '',
            scope_name: sl.scope?.name ?? '',
            scope_version: sl.scope?.version ?? '',
            scope_attributes: attributesToMap(sl.scope?.attributes),
            log_attributes: logAttributes,
            event_name: lr.eventName ?? '',
          },
        });
        const eventName: string = lr.eventName || logAttributes['event.name'] || '';
        const kind = LOG_EVENT_KINDS[eventName];
        if (kind === undefined) continue;
        const r = bodyEvent(lr.body as AnyValue | undefined, Number(BigInt(time) / 1_000_000n));
        if ('error' in r) {
          (out.invalid ??= []).push({ kind, reason: 'bad_event_body', error: `${eventName} log record: ${r.error}`, payload: JSON.stringify(plainValue(lr.body)) ?? '' });
        }
        else out.events.push({ kind, key: String(r.event[kind === 'pipeline_event' ? 'pipeline' : 'model'] ?? ''), event: r.event });
      }
    }
  }
  return out;
};
