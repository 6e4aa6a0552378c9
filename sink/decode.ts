import { EVENT_KINDS, describeIssues, type EventKind } from '../core/schemas/kinds.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type Decoded<T> = { ok: true; event: T } | { ok: false; reason: string; error: string };

/** Events older than this (epoch ms) are refused: the table's retention would delete them at once. */
export interface Freshness {
  oldestMs?: number;
}

/** Parses and validates one JSON value against the kind's schema; never throws. */
export function validateEvent(kind: EventKind, value: unknown, freshness: Freshness = {}): Decoded<any> {
  const r = EVENT_KINDS[kind].schema.safeParse(value);
  if (!r.success) return { ok: false, reason: 'schema_violation', error: describeIssues(r.error) };
  const ts = (r.data as { timestamp?: number }).timestamp;
  if (freshness.oldestMs !== undefined && ts !== undefined && ts < freshness.oldestMs) {
    return {
      ok: false,
      reason: 'older_than_retention',
      error: `timestamp ${new Date(ts).toISOString()} is older than the retention of this kind (kept from ${new Date(freshness.oldestMs).toISOString()}); raise storage.retentionDays to backfill it`,
    };
  }
  return { ok: true, event: r.data };
}

/** Decodes a message body (strict UTF-8, then JSON) and validates it; never throws. */
export function decodeEvent(kind: EventKind, body: Buffer, freshness: Freshness = {}): Decoded<any> {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, reason: 'invalid_utf8', error: 'message is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: 'invalid_json', error: `message is not JSON: ${(e as Error).message}` };
  }
  return validateEvent(kind, value, freshness);
}
