import { Router, type Request, type Response } from 'express';
import { MlobsError, errorMessage } from '../core/errors.js';
import { decodeUtf8, readBody, smallBody } from '../http/body.js';
import type { AlertingEngine, AlertView } from './engine.js';
import { SilenceError, type Silence } from './silences.js';

const iso = (ms: number) => (ms ? new Date(ms).toISOString() : null);

/** The JSON shape of one alert in `GET /v1/alerts`. */
export function alertJson(a: AlertView) {
  return {
    fingerprint: a.fingerprint,
    state: a.state,
    labels: a.labels,
    annotations: a.annotations,
    activeAt: iso(a.activeAtMs),
    startsAt: iso(a.firedAtMs),
    endsAt: iso(a.resolvedAtMs),
    value: a.value,
    why: a.annotations.why ?? a.annotations.description ?? '',
    silencedBy: a.silencedBy,
    inhibitedBy: a.inhibitedBy ?? null,
  };
}

const silenceJson = (s: Silence & { state?: string }) => ({ ...s, startsAt: iso(s.startsAtMs), endsAt: iso(s.endsAtMs), updatedAt: iso(s.updatedAtMs) });

/** A silence as JSON (an empty body is `{}`, so the answer names the missing fields), read through the shared body reader. */
async function readSilenceBody(req: Request): Promise<Record<string, unknown>> {
  const text = decodeUtf8(await readBody(req, smallBody(64 * 1024)));
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new MlobsError(`body is not valid JSON: ${errorMessage(e)}`, { reason: 'invalid_json', retryable: false });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new MlobsError('body must be a JSON object such as {"matchers": [...], "endsAt": "..."}', { reason: 'invalid_json', retryable: false });
  return v as Record<string, unknown>;
}

/** Routes: GET /v1/alerts, GET /v1/slo, GET/POST /v1/silences, DELETE /v1/silences/:id. */
export function alertingRouter(engine: () => AlertingEngine | undefined, now: () => number): Router {
  const r = Router();
  const withEngine = (h: (e: AlertingEngine, req: Request, res: Response) => void) => (req: Request, res: Response) => {
    const e = engine();
    if (!e) {
      res.status(503).json({ error: 'alerting is disabled (alerting.enabled: false)', reason: 'alerting_disabled' });
      return;
    }
    try {
      h(e, req, res);
    } catch (err) {
      if (err instanceof SilenceError) res.status(err.status).json({ error: err.message, reason: err.reason });
      else res.status(500).json({ error: errorMessage(err), reason: 'internal' });
    }
  };
  r.get(
    '/v1/alerts',
    withEngine((e, req, res) => {
      const state = typeof req.query.state === 'string' ? req.query.state : undefined;
      const fp = typeof req.query.fingerprint === 'string' ? req.query.fingerprint : undefined;
      const alerts = e.list(now()).filter((a) => (!state || a.state === state) && (!fp || a.fingerprint === fp));
      res.json({ alerts: alerts.map(alertJson) });
    }),
  );
  r.get(
    '/v1/slo',
    withEngine((e, _req, res) => {
      const s = e.slos();
      res.json({ evaluatedAt: iso(s.evaluatedAtMs), warnings: s.warnings, slos: s.slos });
    }),
  );
  r.get(
    '/v1/silences',
    withEngine((e, _req, res) => res.json({ silences: e.silences.list(now()).map(silenceJson) })),
  );
  r.post('/v1/silences', async (req, res) => {
    let body: Record<string, unknown>;
    try {
      body = await readSilenceBody(req);
    } catch (err) {
      const e = err as MlobsError;
      res.status(e.reason === 'body_too_large' ? 413 : e.retryable ? 503 : 400).json({ error: e.message, reason: e.reason });
      return;
    }
    withEngine((e, _req, res) => res.status(201).json(silenceJson(e.silences.create(body, now()))))(req, res);
  });
  r.delete(
    '/v1/silences/:id',
    withEngine((e, req, res) => res.json(silenceJson(e.silences.expire(String(req.params.id), now())))),
  );
  return r;
}
