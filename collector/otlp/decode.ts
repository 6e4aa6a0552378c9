import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { MlobsError } from '../../core/errors.js';

/** The three OTLP signals, each with its own path, request and response message. */
export type OtlpSignal = 'traces' | 'metrics' | 'logs';
export type OtlpEncoding = 'protobuf' | 'json';

const PROTO_DIR = join(dirname(fileURLToPath(import.meta.url)), 'proto');
const SERVICES: Record<OtlpSignal, { file: string; request: string; response: string }> = {
  traces: { file: 'opentelemetry/proto/collector/trace/v1/trace_service.proto', request: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest', response: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse' },
  metrics: { file: 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto', request: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest', response: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse' },
  logs: { file: 'opentelemetry/proto/collector/logs/v1/logs_service.proto', request: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest', response: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse' },
};
/** The field of partial_success that counts the rejected items of each signal. */
export const REJECTED_FIELD: Record<OtlpSignal, string> = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords' };

// The vendored .proto files import each other by their path under proto/ (see proto/PROVENANCE.md).
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => join(PROTO_DIR, target);
root.loadSync(Object.values(SERVICES).map((s) => s.file), { keepCase: false });
const requestType = (s: OtlpSignal) => root.lookupType(SERVICES[s].request);
const responseType = (s: OtlpSignal) => root.lookupType(SERVICES[s].response);

// google.rpc.Status, the body OTLP/HTTP sends with a 4xx/5xx answer. Its .proto is not part of
// opentelemetry-proto, so its two fields used here are declared as a schema (protobufjs still encodes).
const statusType = new protobuf.Type('Status').add(new protobuf.Field('code', 1, 'int32')).add(new protobuf.Field('message', 2, 'string'));
new protobuf.Root().define('google.rpc').add(statusType);

/**
 * How decoded messages look: camelCase fields; 64-bit integers (times in ns, int attribute values,
 * counts) as decimal strings, so nanosecond times and int64 values keep every digit; bytes as
 * Buffer; enums as numbers; `oneofs` names the set field of a oneof (e.g. AnyValue's `value`).
 */
const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, bytes: Buffer as unknown as typeof String, oneofs: true, defaults: false, arrays: true };

/** A request body's content type as one of the two OTLP/HTTP encodings, or null for any other. */
export function encodingOf(contentType: string | undefined): OtlpEncoding | null {
  const t = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (t === 'application/x-protobuf') return 'protobuf';
  if (t === 'application/json') return 'json';
  return null;
}

const badBody = (message: string, cause?: unknown) => new MlobsError(message, { reason: 'bad_otlp', retryable: false, cause });

/** OTLP/JSON's id fields: hex strings there, bytes in the protobuf message. */
const HEX_ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/**
 * OTLP/JSON differs from the plain protobuf JSON mapping in its ids: trace and span ids are hex, not
 * base64. They become bytes here (wherever they occur: spans, links, log records, exemplars); every
 * other field is left to protobufjs `fromObject` (int64 as string or number, enums as integers).
 */
function hexIdsToBytes(v: unknown, path: string): unknown {
  if (Array.isArray(v)) return v.map((x, i) => hexIdsToBytes(x, `${path}[${i}]`));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (HEX_ID_FIELDS.has(k) && typeof x === 'string') {
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(x)) throw badBody(`${path}.${k} must be a hex string (OTLP/JSON writes ids as hex), got ${JSON.stringify(x.slice(0, 64))}`);
      out[k] = Buffer.from(x, 'hex');
    } else out[k] = hexIdsToBytes(x, `${path}.${k}`);
  }
  return out;
}

/**
 * Decodes an Export*ServiceRequest body of `signal` (already inflated) in either encoding to a plain
 * object (see TO_OBJECT). Throws MlobsError `bad_otlp` naming the problem for a body that cannot be
 * decoded (truncated or malformed protobuf, invalid JSON, a non-hex id) and `unsupported_media_type`
 * for a content type other than the two OTLP/HTTP ones.
 */
export function decodeExport(signal: OtlpSignal, body: Buffer, contentType: string | undefined): Record<string, any> {
  const encoding = encodingOf(contentType);
  if (!encoding) throw new MlobsError(`Content-Type ${JSON.stringify(contentType ?? '')} is not an OTLP encoding (use application/x-protobuf or application/json)`, { reason: 'unsupported_media_type', retryable: false });
  const type = requestType(signal);
  if (encoding === 'protobuf') {
    try {
      return type.toObject(type.decode(body), TO_OBJECT);
    } catch (e) {
      throw badBody(`body is not a valid protobuf ${type.name}: ${(e as Error).message}`, e);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (e) {
    throw badBody(`body is not valid OTLP/JSON: ${(e as Error).message}`, e);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw badBody(`body must be a JSON object (an ${type.name})`);
  try {
    const message = type.fromObject(hexIdsToBytes(json, '$') as Record<string, unknown>);
    return type.toObject(message, TO_OBJECT);
  } catch (e) {
    if (e instanceof MlobsError) throw e;
    throw badBody(`body is not a valid OTLP/JSON ${type.name}: ${(e as Error).message}`, e);
  }
}

/** What the receiver could not store of one request: the count and a message naming why. */
export interface PartialSuccess {
  rejected: number;
  errorMessage: string;
}

/**
 * The Export*ServiceResponse of `signal` in `encoding`, with partial_success set when something was
 * rejected (the spec leaves it unset when everything was accepted).
 */
export function encodeResponse(signal: OtlpSignal, encoding: OtlpEncoding, partial?: PartialSuccess): { contentType: string; body: Buffer } {
  const type = responseType(signal);
  const obj = partial && (partial.rejected > 0 || partial.errorMessage) ? { partialSuccess: { [REJECTED_FIELD[signal]]: partial.rejected, errorMessage: partial.errorMessage } } : {};
  if (encoding === 'protobuf') return { contentType: 'application/x-protobuf', body: Buffer.from(type.encode(type.fromObject(obj)).finish()) };
  // proto3 JSON writes int64 as a string.
  const json = obj.partialSuccess ? { partialSuccess: { [REJECTED_FIELD[signal]]: String(partial!.rejected), errorMessage: partial!.errorMessage } } : {};
  return { contentType: 'application/json', body: Buffer.from(JSON.stringify(json)) };
}

/** The google.rpc.Status body OTLP/HTTP expects with an error status, in the request's encoding. */
export function encodeStatus(encoding: OtlpEncoding, code: number, message: string): { contentType: string; body: Buffer } {
  if (encoding === 'protobuf') return { contentType: 'application/x-protobuf', body: Buffer.from(statusType.encode(statusType.fromObject({ code, message })).finish()) };
  return { contentType: 'application/json', body: Buffer.from(JSON.stringify({ code, message })) };
}

/** For tests and the fuzz suite: a request object of `signal` encoded as protobuf. */
export function encodeRequest(signal: OtlpSignal, obj: Record<string, unknown>): Buffer {
  const type = requestType(signal);
  return Buffer.from(type.encode(type.fromObject(obj)).finish());
}
