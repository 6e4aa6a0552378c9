/**
 * HTTP API of the drift module:
 *   GET  /v1/drift/report?model&from&to[&reference_from&reference_to | &reference=upload|rolling:7d|alias:champion][&methods][&segment[&segment_value]]
 *   GET  /v1/drift/quality?model&from&to[&segment]
 *   POST /v1/models/:model/reference[?version&offset&complete=false]   (JSON array or NDJSON of rows)
 *   PUT  /v1/models/:model/reference                                    ({"type": "window"|"rolling"|"upload", ...})
 *   GET  /v1/models/:model/reference
 */
import { Router, type Request, type Response } from 'express';
import { MlobsError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { name as nameSchema } from '../../core/schemas/common.js';
import { sendError } from '../../http/errors.js';
import { decodeUtf8, readBody, smallBody, splitItems, type BodyLimits } from '../../http/body.js';
import type { Store } from '../../storage/store.js';
import { referenceSpecSchema, type DriftConfig } from '../config.js';
import { driftReport } from '../report/report.js';
import { modelQuality } from '../quality/quality.js';
import { parseReferenceRow, type ReferenceRow } from '../reference/rows.js';
import { activeUpload, declareReference, declaredReference, storeUploadChunk } from '../reference/store.js';
import { badRequest, methodsParam, referenceParam, required, str, windowParams } from './params.js';
import { parseTime, windowError } from '../../core/time.js';

export interface DriftHttpDeps {
  store: Store;
  config: DriftConfig;
  logger: Logger;
  now: () => number;
  bodyLimits: BodyLimits;
}

const STATUS: Record<string, number> = { unknown_model: 404, no_reference: 409, unknown_upload: 404, upload_complete: 409 };

function fail(res: Response, e: unknown, logger: Logger): void {
  if (e instanceof MlobsError && STATUS[e.reason] && !res.headersSent) {
    res.status(STATUS[e.reason]!).json({ error: e.message, reason: e.reason });
    return;
  }
  sendError(res, e, logger);
}

function modelParam(v: unknown): string {
  const r = nameSchema('model').safeParse(v);
  if (!r.success) throw badRequest(r.error.issues[0]!.message);
  return r.data;
}

function segmentParams(q: Request['query']) {
  const segment = str(q, 'segment');
  const value = str(q, 'segment_value');
  if (value !== undefined && !segment) throw badRequest('segment_value needs segment');
  if (segment !== undefined) modelParam(segment);
  return value !== undefined ? { segment: { name: segment!, value } } : { segmentBy: segment };
}

/** A declared window's from/to in the shared time syntax, as epoch milliseconds; a bad one is a 400 naming it. */
function resolveWindow(body: Record<string, unknown>, now: number): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body, to: body.to ?? 'now' };
  for (const k of ['from', 'to'] as const) {
    if (out[k] === undefined) continue;
    const r = parseTime(out[k], now, k);
    if (!r.ok) throw badRequest(`invalid reference: ${r.error}`);
    out[k] = r.ms;
  }
  return out;
}

/** The drift module's routes. */
export function driftRouter(deps: DriftHttpDeps): Router {
  const { store, config, logger } = deps;
  const r = Router();
  const handle = (fn: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response) => {
    try {
      await fn(req, res);
    } catch (e) {
      fail(res, e, logger);
    }
  };

  r.get(
    '/v1/drift/report',
    handle(async (req, res) => {
      const q = req.query;
      const now = deps.now();
      const report = await driftReport(
        { store, config },
        { model: modelParam(required(q, 'model')), ...windowParams(q, now), reference: referenceParam(q, now), methods: methodsParam(q), ...segmentParams(q), version: str(q, 'version') },
      );
      res.json(report);
    }),
  );

  r.get(
    '/v1/drift/quality',
    handle(async (req, res) => {
      const q = req.query;
      const model = modelParam(required(q, 'model'));
      const segment = str(q, 'segment');
      if (segment !== undefined) modelParam(segment);
      res.json(await modelQuality(store, config.models.find((m) => m.model === model), { model, ...windowParams(q, deps.now()), segmentBy: segment, estimate: true, version: str(q, 'version') }));
    }),
  );

  r.post(
    '/v1/models/:model/reference',
    handle(async (req, res) => {
      const model = modelParam(req.params.model);
      const q = req.query;
      const offsetText = str(q, 'offset');
      const offset = offsetText === undefined ? undefined : Number(offsetText);
      if (offset !== undefined && !(Number.isInteger(offset) && offset >= 0)) throw badRequest('offset must be a non-negative integer');
      const completeText = str(q, 'complete') ?? 'true';
      if (completeText !== 'true' && completeText !== 'false') throw badRequest('complete must be true or false');
      const items = splitItems(decodeUtf8(await readBody(req, deps.bodyLimits)));
      if (items.length === 0) throw badRequest('the body holds no rows');
      const rows: ReferenceRow[] = [];
      const errors: { index: number; error: string }[] = [];
      let invalid = 0;
      for (const item of items) {
        const p = 'error' in item ? { ok: false as const, error: item.error } : parseReferenceRow(item.value);
        if (p.ok) rows.push(p.row);
        else if (++invalid <= 20) errors.push({ index: item.index, error: p.error });
      }
      // A training set with bad rows is rejected whole: a silently partial reference skews every report.
      if (invalid) {
        res.status(400).json({ error: `${invalid} of ${items.length} rows are invalid; nothing was stored (first ${errors.length} listed)`, reason: 'bad_reference', rejected: errors });
        return;
      }
      const info = await storeUploadChunk(store, model, rows, { version: str(q, 'version'), offset, complete: completeText === 'true', nowMs: deps.now() });
      res.status(201).json({ model, ...info, received: rows.length });
    }),
  );

  r.put(
    '/v1/models/:model/reference',
    handle(async (req, res) => {
      const model = modelParam(req.params.model);
      let body: unknown;
      try {
        body = JSON.parse(decodeUtf8(await readBody(req, smallBody(64 * 1024))));
      } catch (e) {
        if (e instanceof MlobsError) throw e;
        throw badRequest('body must be JSON such as {"type": "window", "from": "...", "to": "..."}');
      }
      // A declared window may be written relative to now (from: now-7d); it is stored as the instants it meant, and to defaults to now.
      if (body && typeof body === 'object' && (body as { type?: unknown }).type === 'window') body = resolveWindow(body as Record<string, unknown>, deps.now());
      const spec = referenceSpecSchema.safeParse(body);
      if (!spec.success) throw badRequest(`invalid reference: ${spec.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
      const reversed = spec.data.type === 'window' ? windowError(spec.data.from, spec.data.to) : null;
      if (reversed) throw badRequest(reversed);
      if (spec.data.type === 'upload' && !(await activeUpload(store, model))) throw new MlobsError(`model ${model} has no complete upload to use`, { reason: 'no_reference', retryable: false });
      await declareReference(store, model, spec.data, deps.now());
      res.json({ model, declared: spec.data });
    }),
  );

  r.get(
    '/v1/models/:model/reference',
    handle(async (req, res) => {
      const model = modelParam(req.params.model);
      res.json({ model, declared: await declaredReference(store, model), configured: config.models.find((m) => m.model === model)?.reference ?? null, upload: await activeUpload(store, model) });
    }),
  );
  return r;
}
