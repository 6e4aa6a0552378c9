import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import SnappyJS from 'snappyjs';
import { MlobsError } from '../../core/errors.js';

// Remote-write 1.0 bodies: the snappy *block* format (not the framed stream format, and not an HTTP
// Content-Encoding a generic reader could undo) around a protobuf `prometheus.WriteRequest`.
// Both layers are libraries': snappyjs for snappy, protobufjs with the vendored proto/prom.proto.

const root = protobuf.loadSync(join(dirname(fileURLToPath(import.meta.url)), 'proto', 'prom.proto'));
const writeRequestType = root.lookupType('prometheus.WriteRequest');

/** prometheus.MetricMetadata.MetricType, lower-case as in an exposition's `# TYPE` line. */
export const METRIC_TYPES = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'] as const;

export interface Label { name: string; value: string }
export interface Sample { value: number; timestamp: number }
export interface TimeSeries { labels: Label[]; samples: Sample[] }
export interface MetricMetadata { type: number; metricFamilyName: string; help: string; unit: string }
export interface WriteRequest { timeseries: TimeSeries[]; metadata: MetricMetadata[] }

const bad = (message: string, cause?: unknown) => new MlobsError(message, { reason: 'bad_remote_write', retryable: false, cause });
const tooLarge = (message: string) => new MlobsError(message, { reason: 'body_too_large', retryable: false });

/**
 * Undoes snappy with the decompressed cap checked against the length the block format declares up
 * front, before anything is allocated: a tiny body claiming gigabytes is refused without inflating.
 */
export function unsnappy(body: Buffer, maxDecompressedBytes: number): Buffer {
  let out: Uint8Array;
  try {
    out = SnappyJS.uncompress(body, maxDecompressedBytes);
  } catch (e) {
    const message = (e as Error).message;
    if (/too big/.test(message)) throw tooLarge(`request body inflates past the limit of ${maxDecompressedBytes} bytes (${message})`);
    throw bad(`request body is not snappy-compressed (block format): ${message}`, e);
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** int64 fields arrive as Long objects; millisecond timestamps fit a double exactly. */
const toMs = (t: unknown): number => (typeof t === 'number' ? t : protobuf.util.LongBits.from(t as protobuf.Long).toNumber(false));

/**
 * Decodes a remote-write 1.0 body (still snappy-compressed) to a WriteRequest. Throws MlobsError
 * `bad_remote_write` (400) naming the problem, or `body_too_large` (413) past the decompressed cap.
 */
export function decodeWriteRequest(body: Buffer, maxDecompressedBytes: number): WriteRequest {
  const raw = unsnappy(body, maxDecompressedBytes);
  let m: Record<string, any>;
  try {
    m = writeRequestType.decode(raw) as unknown as Record<string, any>;
  } catch (e) {
    throw bad(`request body is not a protobuf prometheus.WriteRequest: ${(e as Error).message}`, e);
  }
  const timeseries: TimeSeries[] = (m.timeseries ?? []).map((ts: Record<string, any>) => ({
    labels: (ts.labels ?? []) as Label[],
    samples: ((ts.samples ?? []) as Record<string, any>[]).map((s) => ({ value: s.value ?? 0, timestamp: s.timestamp === undefined ? 0 : toMs(s.timestamp) })),
  }));
  const metadata: MetricMetadata[] = ((m.metadata ?? []) as Record<string, any>[]).map((x) => ({ type: x.type ?? 0, metricFamilyName: x.metricFamilyName ?? '', help: x.help ?? '', unit: x.unit ?? '' }));
  return { timeseries, metadata };
}

/** Encodes a WriteRequest as a sender does (protobuf, then snappy): for tests, the fuzz suite and the bench. */
export function encodeWriteRequest(req: { timeseries: { labels: Label[]; samples: Sample[] }[]; metadata?: Partial<MetricMetadata>[] }): Buffer {
  const msg = writeRequestType.fromObject(req);
  return Buffer.from(SnappyJS.compress(writeRequestType.encode(msg).finish()));
}

/** Encodes the plain-object (JSON) form of a WriteRequest; throws on a value protobufjs cannot take. */
export function encodeWriteRequestObject(obj: Record<string, unknown>): Buffer {
  return Buffer.from(SnappyJS.compress(writeRequestType.encode(writeRequestType.fromObject(obj)).finish()));
}
