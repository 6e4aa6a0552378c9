import { EVENT_KINDS, describeIssues, type EventKind } from '../core/schemas/kinds.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type Decoded<T> = { ok: true; event: T } | { ok: false; reason: string; error: string };

/** Parses and validates one JSON value against the kind's schema; never throws. */
export function validateEvent(kind: EventKind, value: unknown): Decoded<any> {
  const r = EVENT_KINDS[kind].schema.safeParse(value);
  if (r.success) return { ok: true, event: r.data };
  return { ok: false, reason: 'schema_violation', error: describeIssues(r.error) };
}

/** Decodes a message body (strict UTF-8, then JSON) and validates it; never throws. */
export function decodeEvent(kind: EventKind, body: Buffer): Decoded<any> {
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
  return validateEvent(kind, value);
}
