import { randomUUID } from 'node:crypto';
import type { DeadLetterEvent } from '../core/schemas/events.js';
import type { EventKind } from '../core/schemas/kinds.js';
import type { Metrics } from '../core/metrics.js';
import type { Bus } from './bus.js';

const MAX_PAYLOAD = 256 * 1024;

export interface DeadLetter {
  kind: EventKind | 'unknown';
  source: string;
  reason: string;
  error: string;
  payload: string | Buffer;
  /** Stable identity when the input has one (e.g. topic/partition/offset), so a redelivery is stored once. */
  id?: string;
  receivedAtMs: number;
}

/** Keeps rejected input on the dead-letter topic; resolves only once the bus holds it (nothing is lost silently). */
export class DeadLetterQueue {
  constructor(
    private readonly bus: Bus,
    private readonly topic: string,
    private readonly metrics: Metrics,
  ) {}

  async keep(items: DeadLetter[]): Promise<void> {
    if (items.length === 0) return;
    await this.bus.publish(this.topic, items.map((d) => ({ key: d.kind, value: JSON.stringify(toEvent(d)) })));
    for (const d of items) this.metrics.deadLetters.inc({ kind: d.kind, reason: d.reason });
  }
}

/** The stored form of a dead letter; payloads are kept as text (invalid UTF-8 as base64) and bounded. */
export function toEvent(d: DeadLetter): DeadLetterEvent {
  let payload: string;
  if (typeof d.payload === 'string') payload = d.payload;
  else {
    try {
      payload = new TextDecoder('utf-8', { fatal: true }).decode(d.payload);
    } catch {
      payload = 'base64:' + d.payload.toString('base64');
    }
  }
  if (payload.length > MAX_PAYLOAD) payload = payload.slice(0, MAX_PAYLOAD) + `…[truncated, ${payload.length} chars]`;
  // What was refused may hold lone surrogates (in its text, or quoted in the error): the engine
  // would refuse the dead letter too, so they become U+FFFD here, the one lossy step, and only in text.
  return { id: d.id ?? randomUUID(), kind: d.kind, source: d.source.toWellFormed(), reason: d.reason, error: d.error.slice(0, 4096).toWellFormed(), payload: payload.toWellFormed(), received_at: d.receivedAtMs };
}
