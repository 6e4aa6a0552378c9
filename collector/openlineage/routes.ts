import { Router, type Request, type Response } from 'express';
import { MlobsError } from '../../core/errors.js';
import { topicOf } from '../../core/schemas/kinds.js';
import { validateEvent } from '../../core/schemas/validate.js';
import { decodeUtf8, readBody } from '../../http/body.js';
import { sendError } from '../../http/errors.js';
import type { IngestDeps } from '../http/ingest.js';
import { toPipelineEvent } from './map.js';
import { checkRunEvent } from './schema.js';

/** The OpenLineage HTTP transport's default endpoint (the clients append it to a URL without a path). */
export const LINEAGE_PATH = '/api/v1/lineage';
const SOURCE = 'http:openlineage';
const KIND = 'pipeline_event' as const;

const bad = (reason: string, message: string) => new MlobsError(message, { reason, retryable: false });

/** POST /api/v1/lineage: one OpenLineage RunEvent, stored as a pipeline event. */
export function lineageRoutes(deps: IngestDeps): Router {
  const r = Router();
  r.post(LINEAGE_PATH, lineageHandler(deps));
  return r;
}

function lineageHandler(deps: IngestDeps) {
  const { metrics } = deps;
  return async (req: Request, res: Response) => {
    const receivedAtMs = deps.now();
    try {
      const pressure = deps.backpressure(KIND);
      if (pressure) throw pressure;
      const body = await readBody(req, deps.bodyLimits);
      // Whatever is refused from here on is kept with its payload and the reason (nothing is lost silently).
      const refuse = async (reason: string, error: string) => {
        await deps.deadLetters.keep([{ kind: KIND, source: SOURCE, reason, error, payload: body, receivedAtMs }]);
        metrics.ingestEvents.inc({ kind: KIND, outcome: 'rejected' });
        return bad(reason, error);
      };
      let text: string;
      try {
        text = decodeUtf8(body);
      } catch (e) {
        throw await refuse('invalid_utf8', (e as Error).message);
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw await refuse(text.trim() === '' ? 'empty_body' : 'invalid_json', text.trim() === '' ? 'body holds no event' : `body is not JSON: ${(e as Error).message}`);
      }
      const checked = checkRunEvent(value);
      if (!checked.ok) throw await refuse('schema_violation', checked.error);
      const v = validateEvent(KIND, toPipelineEvent(checked.event), { oldestMs: deps.oldestAcceptedMs(KIND) });
      // A RunEvent the spec allows can still break mlobs's bounds (a job name of 300 characters, a
      // negative row count, an event older than retention): say which field, as the JSON endpoints do.
      if (!v.ok) throw await refuse(v.reason, `as a pipeline event: ${v.error}`);
      // 2xx only once the bus holds it: with Kafka that is durable; the client does not retry.
      await deps.bus.publish(topicOf(KIND, deps.topicPrefix), [{ key: v.event.pipeline, value: JSON.stringify(v.event), validated: v.event }]);
      metrics.ingestEvents.inc({ kind: KIND, outcome: 'accepted' });
      metrics.ingestRequests.inc({ kind: KIND, code: '2xx' });
      res.status(200).json({ accepted: 1, pipeline: v.event.pipeline, run_id: v.event.run_id, task: v.event.task, status: v.event.status });
    } catch (e) {
      sendError(res, e, deps.logger);
      metrics.ingestRequests.inc({ kind: KIND, code: `${(res.statusCode / 100) | 0}xx` });
    }
  };
}
