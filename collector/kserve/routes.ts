import { Router, type Request, type Response } from 'express';
import { BackpressureError, MlobsError, errorMessage } from '../../core/errors.js';
import { topicOf } from '../../core/schemas/kinds.js';
import { validateEvent } from '../../core/schemas/validate.js';
import { decodeUtf8, readBody } from '../../http/body.js';
import { sendError } from '../../http/errors.js';
import type { IngestDeps } from '../http/ingest.js';
import { readKserveCloudEvent } from './cloudevent.js';

export interface KserveDeps extends IngestDeps {
  /** Longest the answer may wait for the bus (collectors.kserve.answerWithinMs). */
  answerWithinMs: number;
}

const KIND = 'kserve_event';
const SOURCE = 'http:kserve';

/**
 * POST /v1/kserve: one half of an inference from KServe's logger (`logger: { mode: all, url: … }`).
 *
 * KServe's logger never retries and counts any answer but 200 as a failure, and its worker waits for
 * the answer while the model server's log queue fills. So: 200 once the half is on the bus (durably,
 * with Kafka), keyed by ce-id so that both halves of an inference land on one partition; 400 naming
 * the problem for what is not a KServe half (kept as a dead letter); and when the half cannot be kept
 * (backpressure, bus down, the bus slower than answerWithinMs) a quick 503, counted in
 * mlobs_kserve_dropped_total{reason}. 503 rather than a 200 that would hide it: the half is lost
 * either way (no retry comes), and a 503 also shows in KServe's own log as a failed send.
 */
export function kserveRoutes(deps: KserveDeps): Router {
  const r = Router();
  r.post('/v1/kserve', handler(deps));
  return r;
}

function handler(deps: KserveDeps) {
  const { metrics } = deps;
  const dropped = (reason: string) => metrics.kserveDropped.inc({ reason });
  return async (req: Request, res: Response) => {
    const receivedAtMs = deps.now();
    const answer = (e: unknown) => {
      sendError(res, e, deps.logger);
      metrics.ingestRequests.inc({ kind: KIND, code: `${res.statusCode / 100 | 0}xx` });
    };
    const pressure = deps.backpressure(KIND);
    if (pressure) {
      dropped('backpressure');
      return answer(pressure);
    }
    let body: Buffer;
    try {
      body = await readBody(req, deps.bodyLimits);
    } catch (e) {
      // Too large, badly encoded or too slow: there is no body to keep.
      dropped('body_refused');
      return answer(e);
    }
    let text: string | null = null;
    let v: ReturnType<typeof validateEvent<typeof KIND>>;
    try {
      text = decodeUtf8(body);
      const ce = readKserveCloudEvent(req.headers, text);
      v = ce.ok ? validateEvent(KIND, ce.fields, { oldestMs: deps.oldestAcceptedMs(KIND) }) : { ok: false, reason: 'not_a_cloudevent', error: ce.error };
    } catch (e) {
      v = { ok: false, reason: e instanceof MlobsError ? e.reason : 'invalid_body', error: errorMessage(e) };
    }
    if (!v.ok) {
      // Kept with its ce-* headers, so that it can be understood (and replayed) later; a body that is
      // not UTF-8 is kept as it came (stored as base64).
      const ceHeaders = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.startsWith('ce-') || k === 'content-type'));
      const payload = text === null ? body : JSON.stringify({ headers: ceHeaders, body: text });
      try {
        await deps.deadLetters.keep([{ kind: KIND, source: SOURCE, reason: v.reason, error: v.error, payload, receivedAtMs }]);
      } catch (e) {
        dropped('dead_letter_failed');
        return answer(e);
      }
      metrics.ingestEvents.inc({ kind: KIND, outcome: 'rejected' });
      return answer(new MlobsError(v.error, { reason: v.reason, retryable: false }));
    }
    const publish = deps.bus.publish(topicOf(KIND, deps.topicPrefix), [{ key: v.event.id, value: JSON.stringify(v.event), validated: v.event }]);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deps.answerWithinMs)));
    try {
      const first = await Promise.race([publish.then(() => 'published' as const), late]);
      if (first === 'late') {
        // Answered now; whether the half was kept is known (and counted) when the publish settles.
        publish.then(
          () => metrics.ingestEvents.inc({ kind: KIND, outcome: 'accepted' }),
          () => dropped('bus_unavailable'),
        );
        return answer(new BackpressureError(`the bus did not take the event within ${deps.answerWithinMs} ms`, 1000));
      }
      metrics.ingestEvents.inc({ kind: KIND, outcome: 'accepted' });
      metrics.ingestRequests.inc({ kind: KIND, code: '2xx' });
      res.status(200).json({ accepted: 1 });
    } catch (e) {
      dropped(e instanceof BackpressureError ? 'backpressure' : 'bus_unavailable');
      deps.logger.warn('kserve half not kept', { id: v.event.id, error: errorMessage(e) });
      answer(e);
    } finally {
      clearTimeout(timer);
    }
  };
}
