import express, { type Express, type Router } from 'express';
import type { Registry } from 'prom-client';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import type { Metrics } from '../core/metrics.js';
import { MlobsError } from '../core/errors.js';
import type { EventKind } from '../core/schemas/kinds.js';
import type { BackpressureError } from '../core/errors.js';
import type { Bus } from '../bus/bus.js';
import type { DeadLetterQueue } from '../bus/dead-letters.js';
import type { Store } from '../storage/store.js';
import { ingestHandler, sendError } from '../collector/http/ingest.js';
import { bodyLimits, decodeUtf8, readBody, smallBody } from '../collector/http/body.js';
import { publishExposition } from '../collector/gpu/ingest-exposition.js';
import { bearerAuth } from './auth.js';

export interface ApiDeps {
  config: Config;
  store: Store;
  bus: Bus;
  deadLetters: DeadLetterQueue;
  registry: Registry;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  backpressure: (kind: EventKind) => BackpressureError | null;
  oldestAcceptedMs: (kind: EventKind) => number | undefined;
  /** Problems that make the stack unready (storage down, a sink failing), empty when ready. */
  readiness: () => Promise<string[]>;
  /** Feature modules' routes, mounted behind the same auth. */
  routers?: Router[];
}

/** The HTTP API: health, self-metrics, ingest and read-only SQL. */
export function createApi(deps: ApiDeps): Express {
  const { config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  const auth = bearerAuth(config.server.authToken);
  const ingestDeps = { ...deps, topicPrefix: config.kafka.topicPrefix, bodyLimits: bodyLimits(config.server) };

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const problems = await deps.readiness();
    res.status(problems.length ? 503 : 200).json({ status: problems.length ? 'unready' : 'ready', problems });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', deps.registry.contentType);
    res.send(await deps.registry.metrics());
  });

  app.post('/v1/predictions', auth, ingestHandler('prediction', ingestDeps));
  app.post('/v1/labels', auth, ingestHandler('label', ingestDeps));
  app.post('/v1/pipeline-events', auth, ingestHandler('pipeline_event', ingestDeps));

  app.post('/v1/gpu/metrics', auth, async (req, res) => {
    const receivedAtMs = deps.now();
    try {
      const pressure = deps.backpressure('gpu_sample');
      if (pressure) throw pressure;
      const body = await readBody(req, ingestDeps.bodyLimits);
      const text = decodeUtf8(body);
      try {
        const oldestMs = deps.oldestAcceptedMs('gpu_sample');
        const r = await publishExposition(text, { bus: deps.bus, topicPrefix: config.kafka.topicPrefix, nowMs: receivedAtMs, source: 'push', oldestMs });
        deps.metrics.ingestEvents.inc({ kind: 'gpu_sample', outcome: 'accepted' }, r.published);
        deps.metrics.ingestEvents.inc({ kind: 'gpu_sample', outcome: 'rejected' }, r.tooOld);
        const tooOld = r.tooOld ? { rejected: r.tooOld, error: `${r.tooOld} samples are older than the GPU sample retention (kept from ${new Date(oldestMs!).toISOString()})` } : {};
        res.status(r.published > 0 || r.tooOld === 0 ? 202 : 400).json({ accepted: r.published, ...tooOld });
      } catch (e) {
        if (e instanceof MlobsError && e.reason === 'bad_exposition') {
          await deps.deadLetters.keep([{ kind: 'gpu_sample', source: 'http:gpu_push', reason: e.reason, error: e.message, payload: text, receivedAtMs }]);
          deps.metrics.ingestEvents.inc({ kind: 'gpu_sample', outcome: 'rejected' });
        }
        throw e;
      }
    } catch (e) {
      sendError(res, e, logger);
    }
  });

  app.post('/v1/sql', auth, async (req, res) => {
    try {
      const body = await readBody(req, smallBody(1024 * 1024));
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
      const r = await deps.store.readOnlyQuery(parsed.query, params as Record<string, unknown>);
      res.json(r);
    } catch (e) {
      sendError(res, e, logger);
    }
  });

  for (const r of deps.routers ?? []) app.use(auth, r);

  app.use((_req, res) => {
    res.status(404).json({ error: 'no such endpoint', reason: 'not_found' });
  });
  return app;
}
