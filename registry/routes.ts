/**
 * POST /v1/registry/mlflow: MLflow 3.x model-registry webhooks. The route authenticates each
 * delivery by its signature (signature.ts), not by the stack's bearer token, which MLflow cannot send.
 */
import { Router, type Request, type Response } from 'express';
import type { Counter } from 'prom-client';
import { MlobsError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { decodeUtf8, readBody, type BodyLimits } from '../http/body.js';
import { sendError } from '../http/errors.js';
import type { Store } from '../storage/store.js';
import type { MlflowConfig } from './config.js';
import { parseDelivery } from './mlflow.js';
import { verify } from './signature.js';
import { isRecorded, record } from './store.js';
import type { DeadLetter } from '../bus/dead-letters.js';

export const MLFLOW_PATH = '/v1/registry/mlflow';
const SOURCE = 'http:mlflow';

export interface MlflowRouteDeps {
  store: Store;
  config: MlflowConfig;
  logger: Logger;
  now: () => number;
  bodyLimits: BodyLimits;
  /** mlobs_registry_webhooks_total{event, outcome}: outcome stored | duplicate | ignored | rejected. */
  deliveries: Counter<'event' | 'outcome'>;
  /** The stack's dead-letter queue (counts in mlobs_dead_letters_total). */
  deadLetters: { keep(items: DeadLetter[]): Promise<void> };
}

/** A delivery refused with this status (401: not MLflow's, 400: MLflow's but unusable). */
class Refused extends MlobsError {
  constructor(readonly status: 400 | 401, reason: string, message: string) {
    super(message, { reason, retryable: false });
  }
}

export function mlflowRoutes(deps: MlflowRouteDeps): Router {
  const r = Router();
  r.post(MLFLOW_PATH, async (req: Request, res: Response) => {
    const receivedAtMs = deps.now();
    try {
      const body = await readBody(req, deps.bodyLimits);
      const v = verify(req.headers, body, deps.config.secret, receivedAtMs, deps.config.toleranceSeconds);
      // Unsigned or stale input is not kept as a dead letter: anyone could fill the table with it.
      if (!v.ok) throw new Refused(401, v.reason, v.message);
      // From here the sender is MLflow: whatever is refused is kept with its payload and the reason.
      const refuse = async (reason: string, error: string) => {
        await deps.deadLetters.keep([{ kind: 'unknown', source: SOURCE, reason, error, payload: body, id: `mlflow:${v.deliveryId}`, receivedAtMs }]);
        return new Refused(400, reason, error);
      };
      let value: unknown;
      try {
        value = JSON.parse(decodeUtf8(body));
      } catch (e) {
        throw await refuse('invalid_json', `body is not JSON: ${(e as Error).message}`);
      }
      const parsed = parseDelivery(value, v.deliveryId, v.timestampS, deps.config);
      if (parsed.kind === 'invalid') throw await refuse('schema_violation', parsed.message);
      if (parsed.kind === 'ignored') {
        deps.deliveries.inc({ event: parsed.event, outcome: 'ignored' });
        res.status(200).json({ ignored: true, event: parsed.event });
        return;
      }
      const { row } = parsed;
      if (await isRecorded(deps.store, row.source, row.delivery_id)) {
        deps.deliveries.inc({ event: row.event, outcome: 'duplicate' });
        res.status(200).json({ duplicate: true, delivery_id: row.delivery_id, event: row.event });
        return;
      }
      await record(deps.store, row, receivedAtMs, decodeUtf8(body));
      deps.deliveries.inc({ event: row.event, outcome: 'stored' });
      res.status(200).json({ stored: true, delivery_id: row.delivery_id, event: row.event, model: row.model, version: row.version, alias: row.alias });
    } catch (e) {
      if (e instanceof Refused) {
        deps.deliveries.inc({ event: 'unknown', outcome: 'rejected' });
        res.status(e.status).json({ error: e.message, reason: e.reason });
        return;
      }
      // Storage faults answer 503: MLflow retries 5xx with backoff, with the same delivery id.
      sendError(res, e, deps.logger);
    }
  });
  return r;
}
