import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';
import { MlobsError } from '../core/errors.js';

/**
 * The two caps every request body is read under. Both are needed: a gzip body of 100 KiB on the
 * wire can inflate to 100 MiB, so a cap on the wire bytes alone does not bound memory.
 */
export interface BodyLimits {
  /** Bytes as they arrive on the wire (still compressed when the client used Content-Encoding). */
  maxBytes: number;
  /** Bytes after the Content-Encoding is undone: what the handler ends up holding. */
  maxDecompressedBytes: number;
}

/** The body caps of the server config (`server.maxBodyBytes`, `server.maxDecompressedBodyBytes`). */
export function bodyLimits(server: { maxBodyBytes: number; maxDecompressedBodyBytes: number }): BodyLimits {
  return { maxBytes: server.maxBodyBytes, maxDecompressedBytes: server.maxDecompressedBodyBytes };
}

/** One cap for both, for endpoints whose bodies are small by nature (a query, a silence). */
export function smallBody(maxBytes: number): BodyLimits {
  return { maxBytes, maxDecompressedBytes: maxBytes };
}

const tooLarge = (message: string) => new MlobsError(message, { reason: 'body_too_large', retryable: false });
const badEncoding = (message: string) => new MlobsError(message, { reason: 'bad_encoding', retryable: false });

/** The decoder for a Content-Encoding header, or an error naming the encoding that is not supported. */
function decoderFor(header: string | string[] | undefined, passThrough: readonly string[]): (() => Gunzip | Inflate) | null | MlobsError {
  const value = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim().toLowerCase();
  if (value === '' || value === 'identity' || passThrough.includes(value)) return null;
  if (value === 'gzip' || value === 'x-gzip') return () => createGunzip();
  if (value === 'deflate') return () => createInflate();
  return badEncoding(`Content-Encoding ${JSON.stringify(value)} is not supported (use gzip, deflate or none)`);
}

export interface ReadBodyOptions {
  /**
   * Content-Encodings the caller undoes itself; the body is read as it is on the wire (wire cap
   * only) and the caller applies maxDecompressedBytes. Remote write's `snappy` is the snappy block
   * format around the whole body, a protocol layer rather than a streaming HTTP encoding.
   */
  passThrough?: readonly string[];
}

/**
 * Reads a request body: the one reader every endpoint uses. It enforces the wire cap and, for a
 * gzip or deflate body, inflates it as it streams in and stops at the decompressed cap, so a
 * compression bomb is never inflated whole. Rejects with MlobsError reason `body_too_large` (413)
 * past either cap and `bad_encoding` (400) for an unsupported encoding or a corrupt stream.
 */
export function readBody(req: IncomingMessage, limits: BodyLimits, opts: ReadBodyOptions = {}): Promise<Buffer> {
  const { maxBytes, maxDecompressedBytes } = limits;
  return new Promise((resolve, reject) => {
    const refuse = (e: MlobsError) => {
      req.resume();
      reject(e);
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) return refuse(tooLarge(`request body of ${declared} bytes exceeds the limit of ${maxBytes}`));
    const decoder = decoderFor(req.headers['content-encoding'], opts.passThrough ?? []);
    if (decoder instanceof MlobsError) return refuse(decoder);
    const inflater = decoder ? decoder() : null;
    const chunks: Buffer[] = [];
    let wire = 0;
    let decoded = 0;
    let settled = false;
    const fail = (e: MlobsError) => {
      if (settled) return;
      settled = true;
      // Stop inflating at once and let the rest of the upload drain unread.
      inflater?.destroy();
      req.resume();
      reject(e);
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, decoded));
    };
    const keep = (c: Buffer) => {
      decoded += c.length;
      if (decoded > maxDecompressedBytes) return fail(tooLarge(`request body inflates past the limit of ${maxDecompressedBytes} bytes`));
      chunks.push(c);
    };
    req.on('data', (c: Buffer) => {
      if (settled) return;
      wire += c.length;
      if (wire > maxBytes) return fail(tooLarge(`request body exceeds the limit of ${maxBytes} bytes`));
      if (inflater) inflater.write(c);
      else keep(c);
    });
    req.on('end', () => {
      if (settled) return;
      if (inflater) inflater.end();
      else finish();
    });
    req.on('error', (e) => fail(new MlobsError(`reading request body failed: ${e.message}`, { reason: 'body_read_failed', retryable: true })));
    req.on('close', () => {
      if (!req.complete) fail(new MlobsError('the client closed the connection before the body was complete', { reason: 'body_read_failed', retryable: true }));
    });
    if (inflater) {
      inflater.on('data', (c: Buffer) => {
        if (!settled) keep(c);
      });
      inflater.on('end', finish);
      inflater.on('error', (e: Error) => fail(badEncoding(`request body is not valid ${String(req.headers['content-encoding']).trim()}: ${e.message}`)));
    }
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decode; invalid bytes are an input error, never replaced silently. */
export function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new MlobsError('request body is not valid UTF-8', { reason: 'invalid_utf8', retryable: false });
  }
}

/** One event of a request body; `raw` is its text (for NDJSON the line itself, else produced on demand). */
export type Item = { index: number; value: unknown; raw: () => string } | { index: number; error: string; raw: () => string };

/**
 * Splits a body into items: a JSON array, a single JSON object, or NDJSON (one value per line).
 * A line that is not JSON becomes an item with an error, so the other lines still count.
 */
export function splitItems(text: string): Item[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) {
    let arr: unknown;
    try {
      arr = JSON.parse(trimmed);
    } catch (e) {
      throw new MlobsError(`body is not valid JSON: ${(e as Error).message}`, { reason: 'invalid_json', retryable: false });
    }
    if (!Array.isArray(arr)) throw new MlobsError('body must be a JSON array, a JSON object or NDJSON', { reason: 'invalid_json', retryable: false });
    return arr.map((value, index) => ({ index, value, raw: () => safeStringify(value) }));
  }
  const lines = trimmed.split(/\r?\n/);
  const items: Item[] = [];
  let index = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const raw = () => line;
    try {
      items.push({ index, value: JSON.parse(line), raw });
    } catch (e) {
      items.push({ index, error: `line is not valid JSON: ${(e as Error).message}`, raw });
    }
    index++;
  }
  return items;
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'undefined';
  } catch {
    return String(v);
  }
}
