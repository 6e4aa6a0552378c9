import type { z } from 'zod';
import { EVENT_KINDS, describeIssues, type EventKind } from './kinds.js';
import { olderThanRetention } from '../retention.js';
import { nanosToMs } from './otel-metrics-logs.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The validated event of a kind, as its schema types it. */
export type EventOf<K extends EventKind> = z.infer<(typeof EVENT_KINDS)[K]['schema']>;

export type Decoded<T> = { ok: true; event: T } | { ok: false; reason: string; error: string };

/** Events older than this (epoch ms) are refused: the table's retention would delete them at once. */
export interface Freshness {
  oldestMs?: number;
}

/** Validates one JSON value against the kind's schema, then its retention; never throws. */
export function validateEvent<K extends EventKind>(kind: K, value: unknown, freshness: Freshness = {}): Decoded<EventOf<K>> {
  const r = EVENT_KINDS[kind].schema.safeParse(value);
  if (!r.success) return { ok: false, reason: 'schema_violation', error: describeIssues(r.error) };
  return fresh(r.data as EventOf<K>, freshness);
}

/** The retention check alone, on an event already in its validated form. */
function fresh<T>(event: T, freshness: Freshness): Decoded<T> {
  // OpenTelemetry kinds carry their time as epoch nanoseconds (exact text), the others as epoch ms.
  const data = event as { timestamp?: number; time_unix_nano?: string };
  const ts = data.timestamp ?? (data.time_unix_nano === undefined ? undefined : nanosToMs(data.time_unix_nano));
  const tooOld = ts === undefined ? null : olderThanRetention(ts, freshness.oldestMs);
  if (tooOld) return { ok: false, reason: 'older_than_retention', error: tooOld };
  return { ok: true, event };
}

/**
 * Decodes a message body that a trusted producer wrote in the validated form (bus/trust.ts): strict
 * UTF-8 and JSON, and the retention (time passed since it was validated), but not the schema; never throws.
 */
export function decodeTrustedEvent<K extends EventKind>(body: Buffer, freshness: Freshness = {}): Decoded<EventOf<K>> {
  const parsed = parseBody(body);
  return parsed.ok ? fresh(parsed.event as EventOf<K>, freshness) : parsed;
}

function parseBody(body: Buffer): Decoded<unknown> {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, reason: 'invalid_utf8', error: 'message is not valid UTF-8' };
  }
  try {
    return { ok: true, event: JSON.parse(text) };
  } catch (e) {
    return { ok: false, reason: 'invalid_json', error: `message is not JSON: ${(e as Error).message}` };
  }
}

/** Decodes a message body (strict UTF-8, then JSON) and validates it; never throws. */
export function decodeEvent<K extends EventKind>(kind: K, body: Buffer, freshness: Freshness = {}): Decoded<EventOf<K>> {
  const parsed = parseBody(body);
  return parsed.ok ? validateEvent(kind, parsed.event, freshness) : parsed;
}
