import { Router, type Request, type Response } from 'express';
import { MlobsError } from '../../core/errors.js';
import { decodeUtf8, readBody } from '../../http/body.js';
import { sendError } from '../../http/errors.js';
import { publishExposition } from '../gpu/ingest-exposition.js';
import { lineageRoutes } from '../openlineage/routes.js';
import { remoteWriteRoutes } from '../remote-write/routes.js';
import { ingestHandler, type IngestDeps } from './ingest.js';

/** Every way in over HTTP: the three JSON event endpoints, the DCGM push endpoint, OpenLineage and Prometheus remote write. */
export function ingestRoutes(deps: IngestDeps): Router {
  const r = Router();
  r.post('/v1/predictions', ingestHandler('prediction', deps));
  r.post('/v1/labels', ingestHandler('label', deps));
  r.post('/v1/pipeline-events', ingestHandler('pipeline_event', deps));
  r.post('/v1/gpu/metrics', gpuPushHandler(deps));
  r.use(lineageRoutes(deps));
  r.use(remoteWriteRoutes(deps));
  return r;
}

/** POST /v1/gpu/metrics: a dcgm-exporter exposition pushed to us, stored exactly as a scrape of it would be. */
function gpuPushHandler(deps: IngestDeps) {
  return async (req: Request, res: Response) => {
    const receivedAtMs = deps.now();
    try {
      const pressure = deps.backpressure('gpu_sample');
      if (pressure) throw pressure;
      const body = await readBody(req, deps.bodyLimits);
      const text = decodeUtf8(body);
      try {
        const oldestMs = deps.oldestAcceptedMs('gpu_sample');
        const r = await publishExposition(text, { bus: deps.bus, deadLetters: deps.deadLetters, topicPrefix: deps.topicPrefix, nowMs: receivedAtMs, source: 'push', oldestMs });
        deps.metrics.ingestEvents.inc({ kind: 'gpu_sample', outcome: 'accepted' }, r.published);
        deps.metrics.ingestEvents.inc({ kind: 'gpu_sample', outcome: 'rejected' }, r.tooOld + r.invalid);
        const rejected = r.tooOld + r.invalid;
        const why = [
          r.tooOld ? `${r.tooOld} samples are older than the GPU sample retention (kept from ${new Date(oldestMs!).toISOString()})` : '',
          r.invalid ? `${r.invalid} samples break the GPU sample schema (kept as dead letters)` : '',
        ].filter(Boolean);
        res.status(r.published > 0 || rejected === 0 ? 202 : 400).json({ accepted: r.published, ...(rejected ? { rejected, error: why.join('; ') } : {}) });
      } catch (e) {
        if (e instanceof MlobsError && e.reason === 'bad_exposition') {
          await deps.deadLetters.keep([{ kind: 'gpu_sample', source: 'http:gpu_push', reason: e.reason, error: e.message, payload: text, receivedAtMs }]);
          deps.metrics.ingestEvents.inc({ kind: 'gpu_sample', outcome: 'rejected' });
        }
        throw e;
      }
    } catch (e) {
      sendError(res, e, deps.logger);
    }
  };
}
