import { Router } from 'express';
import { MlobsError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { Store } from '../storage/store.js';
import { decodeUtf8, readBody, smallBody } from '../http/body.js';
import { sendError } from '../http/errors.js';

const MAX_QUERY_BYTES = 1024 * 1024;

/** POST /v1/sql: `{"query": "...", "params": {...}}`, one statement run read-only, values bound as `{name:Type}`. */
export function queryRoutes(deps: { store: Store; logger: Logger }): Router {
  const r = Router();
  r.post('/v1/sql', async (req, res) => {
    try {
      const body = await readBody(req, smallBody(MAX_QUERY_BYTES));
      let parsed: { query?: unknown; params?: unknown };
      try {
        parsed = JSON.parse(decodeUtf8(body));
      } catch (e) {
        if (e instanceof MlobsError) throw e;
        throw new MlobsError('body must be JSON: {"query": "...", "params": {...}}', { reason: 'bad_query', retryable: false });
      }
      if (typeof parsed?.query !== 'string') throw new MlobsError('"query" must be a string', { reason: 'bad_query', retryable: false });
      const params = parsed.params ?? {};
      if (typeof params !== 'object' || Array.isArray(params) || params === null) throw new MlobsError('"params" must be an object', { reason: 'bad_query', retryable: false });
      res.json(await deps.store.readOnlyQuery(parsed.query, params as Record<string, unknown>));
    } catch (e) {
      sendError(res, e, deps.logger);
    }
  });
  return r;
}
