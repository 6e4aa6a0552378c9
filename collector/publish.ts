import type { EventKind } from '../core/schemas/kinds.js';
import { topicOf } from '../core/schemas/kinds.js';
import { validateEvent } from '../core/schemas/validate.js';
import type { Metrics } from '../core/metrics.js';
import type { Bus, OutgoingMessage } from '../bus/bus.js';
import type { DeadLetterQueue } from '../bus/dead-letters.js';

/** An event a protocol receiver converted, not yet validated. */
export interface ConvertedEvent {
  kind: EventKind;
  key?: string;
  event: unknown;
}

/** An event refused before or at validation, to be kept as a dead letter. */
export interface RefusedEvent {
  kind: EventKind;
  reason: string;
  error: string;
  payload: string;
}

export interface PublishDeps {
  bus: Bus;
  deadLetters: DeadLetterQueue;
  metrics: Metrics;
  topicPrefix: string;
  oldestAcceptedMs: (kind: EventKind) => number | undefined;
}

/**
 * The step every protocol receiver (OTLP, remote_write, …) shares after converting a request:
 * validate each event against its kind's schema (the one boundary check), publish the valid ones per
 * topic with the validated event riding along, keep the refused ones (and those the converter
 * refused already) as dead letters, and count both. Resolves once the bus holds everything.
 */
export async function publishConverted(
  events: readonly ConvertedEvent[],
  refusedEarlier: readonly RefusedEvent[],
  ctx: { source: string; receivedAtMs: number },
  deps: PublishDeps,
): Promise<{ accepted: number; refused: RefusedEvent[] }> {
  const byTopic = new Map<string, OutgoingMessage[]>();
  const refused: RefusedEvent[] = [...refusedEarlier];
  const accepted = new Map<EventKind, number>();
  for (const { kind, key, event } of events) {
    const v = validateEvent(kind, event, { oldestMs: deps.oldestAcceptedMs(kind) });
    if (!v.ok) {
      refused.push({ kind, reason: v.reason, error: v.error, payload: JSON.stringify(event) });
      continue;
    }
    const topic = topicOf(kind, deps.topicPrefix);
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push({ key, value: JSON.stringify(v.event), validated: v.event });
    accepted.set(kind, (accepted.get(kind) ?? 0) + 1);
  }
  for (const [topic, messages] of byTopic) await deps.bus.publish(topic, messages);
  await deps.deadLetters.keep(refused.map((x) => ({ kind: x.kind, source: ctx.source, reason: x.reason, error: x.error, payload: x.payload, receivedAtMs: ctx.receivedAtMs })));
  for (const [kind, n] of accepted) deps.metrics.ingestEvents.inc({ kind, outcome: 'accepted' }, n);
  for (const x of refused) deps.metrics.ingestEvents.inc({ kind: x.kind, outcome: 'rejected' });
  let n = 0;
  for (const v of accepted.values()) n += v;
  return { accepted: n, refused };
}

/** One line per distinct reason an event was refused, with a count, so an answer stays short. */
export function summariseRefusals(refused: readonly { kind: string; reason: string; error: string }[]): string[] {
  const first = new Map<string, { kind: string; reason: string; n: number; error: string }>();
  for (const x of refused) {
    const seen = first.get(`${x.kind} ${x.reason}`);
    if (seen) seen.n++;
    else first.set(`${x.kind} ${x.reason}`, { kind: x.kind, reason: x.reason, n: 1, error: x.error });
  }
  return [...first.values()].map((x) => `${x.n} ${x.kind} events rejected (${x.reason}), e.g. ${x.error}`);
}
