/**
 * The sink's path for one batch, as stages (after Alertmanager's notification pipeline):
 * decode → row → insert (bisecting a poison row) → dead-letter. Each stage is a function of its
 * input; the Sink class only runs them in order and commits.
 */
import type { EventKind } from '../core/schemas/kinds.js';
import { decodeEvent, decodeTrustedEvent, type EventOf } from '../core/schemas/validate.js';
import { MlobsError, errorMessage } from '../core/errors.js';
import type { BusMessage } from '../bus/bus.js';
import { TRUST_HEADER, type ProducerTrust } from '../bus/trust.js';
import { buildRow } from '../storage/rows.js';

/** A message that cannot be stored, and why; it becomes a dead letter. */
export interface Rejected {
  message: BusMessage;
  reason: string;
  error: string;
}

/** A message's identity on the bus, stable across redelivery. */
export function messageId(m: BusMessage): string {
  return `${m.topic}/${m.partition}/${m.offset}`;
}

/**
 * Decode: strict UTF-8, JSON, the kind's schema and its retention. A message an in-process producer
 * already validated (only a bus no outside producer writes to carries one) is taken as it is; one
 * whose trust header verifies (mlobs's own ingest wrote it, see bus/trust.ts) skips the schema.
 */
export function decodeStage<K extends EventKind>(kind: K, batch: BusMessage[], oldestMs: number | undefined, trust?: ProducerTrust) {
  const events: { message: BusMessage; event: EventOf<K> }[] = [];
  const rejected: Rejected[] = [];
  for (const message of batch) {
    if (message.validated !== undefined) {
      events.push({ message, event: message.validated as EventOf<K> });
      continue;
    }
    const trusted = trust !== undefined && trust.verify(kind, message.value, message.headers?.[TRUST_HEADER]);
    const d = trusted ? decodeTrustedEvent<K>(message.value, { oldestMs }) : decodeEvent(kind, message.value, { oldestMs });
    if (d.ok) events.push({ message, event: d.event });
    else rejected.push({ message, reason: d.reason, error: d.error });
  }
  return { events, rejected };
}

/** Row: each validated event as its table's row, in message order. */
export function rowStage<K extends EventKind>(kind: K, events: { message: BusMessage; event: EventOf<K> }[]) {
  const rows = events.map(({ message, event }) => buildRow(kind, event, { receivedAtMs: message.timestampMs, id: messageId(message) }));
  return { rows, messages: events.map((e) => e.message) };
}

/**
 * Insert, bisecting a poison row: a retryable failure is thrown (the batch is redelivered); a
 * refusal of the data itself is narrowed down by halving until the refused rows are found, and
 * those come back as rejected while the rest is stored. Halves get tokens of their own, so a
 * retried half is deduplicated like a whole batch.
 */
export async function insertStage(
  insert: (rows: object[], token: string) => Promise<void>,
  rows: object[],
  messages: BusMessage[],
  token: string,
): Promise<Rejected[]> {
  if (rows.length === 0) return [];
  try {
    await insert(rows, token);
    return [];
  } catch (e) {
    const err = e instanceof MlobsError ? e : new MlobsError(errorMessage(e), { reason: 'unknown', retryable: true, cause: e });
    if (err.retryable) throw err;
    if (rows.length === 1) return [{ message: messages[0]!, reason: 'rejected_by_storage', error: err.message }];
    const mid = rows.length >> 1;
    const a = await insertStage(insert, rows.slice(0, mid), messages.slice(0, mid), `${token}.a`);
    const b = await insertStage(insert, rows.slice(mid), messages.slice(mid), `${token}.b`);
    return [...a, ...b];
  }
}

// The same batch retried in-process gets the same token, so an insert that succeeded but whose
// acknowledgement was lost is not stored twice.
export function tokenFor(batch: BusMessage[]): string {
  const first = batch[0]!;
  const last = batch[batch.length - 1]!;
  return `${first.topic}-${first.partition}-${first.offset}-${last.offset}`.replace(/[^A-Za-z0-9:._-]/g, '_');
}
