import type { Request, Response } from 'express';
import { sendError } from '../../http/errors.js';
import { MlobsError, type BackpressureError } from '../../core/errors.js';
import { topicOf, type EventKind } from '../../core/schemas/kinds.js';
import type { Metrics } from '../../core/metrics.js';
import type { Logger } from '../../core/log.js';
import type { Bus, OutgoingMessage } from '../../bus/bus.js';
import { TRUST_HEADER, type ProducerTrust } from '../../bus/trust.js';
import type { DeadLetterQueue } from '../../bus/dead-letters.js';
import { validateEvent } from '../../core/schemas/validate.js';
import { decodeUtf8, readBody, splitItems, type BodyLimits } from '../../http/body.js';

export interface IngestDeps {
  bus: Bus;
  deadLetters: DeadLetterQueue;
  metrics: Metrics;
  logger: Logger;
  topicPrefix: string;
  /** Caps on the body, on the wire and decompressed. */
  bodyLimits: BodyLimits;
  /** Non-null when the path to storage is congested: answer 503 with this Retry-After. */
  backpressure: (kind: EventKind) => BackpressureError | null;
  /** The oldest event time the kind's table keeps (see core/retention.ts). */
  oldestAcceptedMs: (kind: EventKind) => number | undefined;
  now: () => number;
  /** Set on the Kafka bus with kafka.trustedProducerKey: valid events are published signed (bus/trust.ts). */
  trust?: ProducerTrust;
}

/** Partition key: events of one model or pipeline stay in order on one partition. */
const keyOf = (kind: EventKind, e: any): string | undefined => (kind === 'pipeline_event' ? e.pipeline : e.model);

function signed(trust: ProducerTrust, kind: EventKind, event: unknown): OutgoingMessage {
  const value = JSON.stringify(event);
  return { key: keyOf(kind, event), value, validated: event, headers: { [TRUST_HEADER]: trust.sign(kind, value) } };
}

/** An Express handler that validates a batch of `kind` events, publishes the valid ones and dead-letters the rest. */
export function ingestHandler(kind: EventKind, deps: IngestDeps) {
  const { metrics } = deps;
  const source = `http:${kind}`;
  return async (req: Request, res: Response) => {
    const receivedAtMs = deps.now();
    try {
      const pressure = deps.backpressure(kind);
      if (pressure) throw pressure;
      const body = await readBody(req, deps.bodyLimits);
      let items;
      try {
        items = splitItems(decodeUtf8(body));
      } catch (e) {
        // The body as a whole is unusable; keep it anyway so nothing is lost silently.
        const err = e as MlobsError;
        await deps.deadLetters.keep([{ kind, source, reason: err.reason ?? 'invalid_body', error: err.message, payload: body, receivedAtMs }]);
        throw err;
      }
      if (items.length === 0) throw new MlobsError('body holds no events', { reason: 'empty_body', retryable: false });
      const accepted: OutgoingMessage[] = [];
      const rejected: { index: number; reason: string; error: string; raw: string }[] = [];
      for (const item of items) {
        if ('error' in item) {
          rejected.push({ index: item.index, reason: 'invalid_json', error: item.error, raw: item.raw() });
          continue;
        }
        const v = validateEvent(kind, item.value, { oldestMs: deps.oldestAcceptedMs(kind) });
        // Without a trust key the valid event travels as the producer wrote it: the sink validates
        // again at the bus boundary (external producers write to the same topics), so re-serialising
        // would be waste. With one, it travels in its validated form, signed, and the sink trusts it.
        if (v.ok) accepted.push(deps.trust ? signed(deps.trust, kind, v.event) : { key: keyOf(kind, v.event), value: item.raw(), validated: v.event });
        else rejected.push({ index: item.index, reason: v.reason, error: v.error, raw: item.raw() });
      }
      await deps.bus.publish(topicOf(kind, deps.topicPrefix), accepted);
      await deps.deadLetters.keep(rejected.map((r) => ({ kind, source, reason: r.reason, error: `item ${r.index}: ${r.error}`, payload: r.raw, receivedAtMs })));
      metrics.ingestEvents.inc({ kind, outcome: 'accepted' }, accepted.length);
      metrics.ingestEvents.inc({ kind, outcome: 'rejected' }, rejected.length);
      const status = accepted.length > 0 ? 202 : 400;
      metrics.ingestRequests.inc({ kind, code: `${status / 100 | 0}xx` });
      res.status(status).json({
        accepted: accepted.length,
        rejected: rejected.map(({ index, reason, error }) => ({ index, reason, error })),
        ...(accepted.length === 0 ? { error: 'no valid events in the request; see rejected' } : {}),
      });
    } catch (e) {
      sendError(res, e, deps.logger);
      metrics.ingestRequests.inc({ kind, code: `${res.statusCode / 100 | 0}xx` });
    }
  };
}
