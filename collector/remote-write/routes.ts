import { Router, type Request, type Response } from 'express';
import { MlobsError } from '../../core/errors.js';
import { topicOf, type EventKind } from '../../core/schemas/kinds.js';
import { validateEvent } from '../../core/schemas/validate.js';
import { readBody } from '../../http/body.js';
import { sendError } from '../../http/errors.js';
import type { OutgoingMessage } from '../../bus/bus.js';
import type { IngestDeps } from '../http/ingest.js';
import { decodeWriteRequest } from './decode.js';
import { convertWriteRequest } from './convert.js';
import { MetadataCache } from './metadata.js';

export const REMOTE_WRITE_PATH = '/api/v1/write';
/** Every kind a request may produce: any of them congested answers 503 before the body is read. */
const KINDS: EventKind[] = ['gpu_sample', 'otel_metric_gauge', 'otel_metric_sum'];
const SOURCE = 'remote_write';
const MAX_ERROR = 2048;

const unsupported = (message: string) => new MlobsError(message, { reason: 'unsupported_media_type', retryable: false });

/** Remote write 1.0 is protobuf in snappy; 2.0 senders (proto=io.prometheus.write.v2.Request) fall back to 1.0 on a 415. */
function checkHeaders(req: Request): void {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  const [media, ...params] = type.split(';').map((s) => s.trim());
  if (media !== 'application/x-protobuf') throw unsupported(`Content-Type ${JSON.stringify(type)} is not remote write (use application/x-protobuf)`);
  const proto = params.find((p) => p.startsWith('proto='))?.slice('proto='.length);
  if (proto && proto !== 'prometheus.writerequest') throw unsupported(`Content-Type proto ${JSON.stringify(proto)} is not served: only remote-write 1.0 (prometheus.WriteRequest)`);
  const encoding = String(req.headers['content-encoding'] ?? 'snappy').trim().toLowerCase();
  if (encoding !== 'snappy') throw unsupported(`Content-Encoding ${JSON.stringify(encoding)} is not remote write (the body is snappy-compressed)`);
}

/**
 * POST /api/v1/write: a Prometheus remote-write 1.0 receiver. 204 once every sample is published;
 * 400 (Prometheus does not retry it) for a body that cannot be decoded or samples that break their
 * schema (the rest of the request is stored, the refused ones kept as dead letters); 503 +
 * Retry-After when storage is congested (Prometheus retries 5xx; it drops 429 by default).
 */
export function remoteWriteRoutes(deps: IngestDeps & { metadata?: MetadataCache }): Router {
  const metadata = deps.metadata ?? new MetadataCache();
  const { metrics } = deps;
  const r = Router();
  r.post(REMOTE_WRITE_PATH, async (req: Request, res: Response) => {
    const receivedAtMs = deps.now();
    try {
      checkHeaders(req);
      for (const k of KINDS) {
        const pressure = deps.backpressure(k);
        if (pressure) throw pressure;
      }
      const body = await readBody(req, deps.bodyLimits, { passThrough: ['snappy'] });
      let converted;
      try {
        converted = convertWriteRequest(decodeWriteRequest(body, deps.bodyLimits.maxDecompressedBytes), { nowMs: receivedAtMs, metadata });
      } catch (e) {
        // Nothing of an undecodable body can be stored; keep it whole (an over-cap one is refused, not kept).
        const err = e as MlobsError;
        if (err.reason === 'bad_remote_write') {
          await deps.deadLetters.keep([{ kind: 'gpu_sample', source: SOURCE, reason: err.reason, error: err.message, payload: 'base64:' + body.toString('base64'), receivedAtMs }]);
          metrics.ingestEvents.inc({ kind: 'gpu_sample', outcome: 'rejected' });
        }
        throw err;
      }
      const byTopic = new Map<string, OutgoingMessage[]>();
      const invalid: { kind: EventKind; reason: string; error: string; payload: string }[] = [];
      const accepted = new Map<EventKind, number>();
      for (const { kind, key, event } of converted.events) {
        const v = validateEvent(kind, event, { oldestMs: deps.oldestAcceptedMs(kind) });
        if (!v.ok) {
          invalid.push({ kind, reason: v.reason, error: v.error, payload: JSON.stringify(event) });
          continue;
        }
        const topic = topicOf(kind, deps.topicPrefix);
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push({ key, value: JSON.stringify(v.event), validated: v.event });
        accepted.set(kind, (accepted.get(kind) ?? 0) + 1);
      }
      for (const [topic, messages] of byTopic) await deps.bus.publish(topic, messages);
      for (const [kind, n] of accepted) metrics.ingestEvents.inc({ kind, outcome: 'accepted' }, n);
      await deps.deadLetters.keep(invalid.map((x) => ({ kind: x.kind, source: SOURCE, reason: x.reason, error: x.error, payload: x.payload, receivedAtMs })));
      for (const x of invalid) metrics.ingestEvents.inc({ kind: x.kind, outcome: 'rejected' });
      if (converted.rejected + invalid.length > 0) {
        const why = [...converted.errors, ...summarise(invalid)].join('; ').slice(0, MAX_ERROR);
        metrics.ingestRequests.inc({ kind: 'gpu_sample', code: '4xx' });
        res.status(400).json({ error: `${converted.rejected + invalid.length} samples refused (the other ${converted.events.length - invalid.length} were stored): ${why}`, reason: 'bad_samples' });
        return;
      }
      metrics.ingestRequests.inc({ kind: 'gpu_sample', code: '2xx' });
      res.status(204).end();
    } catch (e) {
      if (e instanceof MlobsError && e.reason === 'unsupported_media_type') res.status(415).json({ error: e.message, reason: e.reason });
      else sendError(res, e, deps.logger);
      metrics.ingestRequests.inc({ kind: 'gpu_sample', code: `${(res.statusCode / 100) | 0}xx` });
    }
  });
  return r;
}

/** One line per distinct reason, with a count, so the answer stays short. */
function summarise(invalid: { kind: string; reason: string; error: string }[]): string[] {
  const first = new Map<string, { n: number; error: string }>();
  for (const x of invalid) {
    const k = `${x.kind} events rejected (${x.reason})`;
    const seen = first.get(k);
    if (seen) seen.n++;
    else first.set(k, { n: 1, error: x.error });
  }
  return [...first].map(([k, v]) => `${v.n} ${k}, e.g. ${v.error}`);
}
