import type { Request } from 'express';
import { MlobsError } from '../core/errors.js';

/** Reads the raw request body up to `maxBytes`; throws MlobsError reason `body_too_large` (413) beyond it. */
export function readBody(req: Request, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume();
      return reject(new MlobsError(`request body of ${declared} bytes exceeds the limit of ${maxBytes}`, { reason: 'body_too_large', retryable: false }));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > maxBytes) {
        done = true;
        req.resume();
        reject(new MlobsError(`request body exceeds the limit of ${maxBytes} bytes`, { reason: 'body_too_large', retryable: false }));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!done) reject(new MlobsError(`reading request body failed: ${e.message}`, { reason: 'body_read_failed', retryable: true }));
    });
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
