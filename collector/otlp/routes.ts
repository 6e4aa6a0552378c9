import { publishConverted, summariseRefusals } from '../publish.js';
import { Router, type Request, type Response } from 'express';
import { BackpressureError, MlobsError, errorMessage } from '../../core/errors.js';
import { EVENT_KINDS, type EventKind } from '../../core/schemas/kinds.js';
import type { BaseConfig } from '../../core/config.js';
import { readBody } from '../../http/body.js';
import type { IngestDeps } from '../http/ingest.js';
import type { Converted, Converter } from './converter.js';
import { decodeExport, encodeResponse, encodeStatus, encodingOf, type OtlpEncoding, type OtlpSignal } from './decode.js';
import { convertTraces } from './traces.js';
import { convertMetrics } from './metrics.js';
import { convertLogs } from './logs.js';

export interface OtlpDeps extends IngestDeps {
  otlp: BaseConfig['otlp'];
  /** Per-signal converters; the real ones by default (tests may plug others). */
  converters?: Partial<Record<OtlpSignal, Converter>>;
}

const PATHS: Record<OtlpSignal, string> = { traces: '/v1/traces', metrics: '/v1/metrics', logs: '/v1/logs' };
/** The kind an undecodable body of each signal is dead-lettered under. */
const BODY_KIND: Record<OtlpSignal, string> = { traces: 'otel_span', metrics: 'otel_metric_gauge', logs: 'otel_log' };
/** The kinds each signal can produce, for the backpressure check before the body is read. */
const SIGNAL_KINDS: Record<OtlpSignal, string[]> = {
  traces: ['otel_span', 'prediction'],
  metrics: ['otel_metric_gauge', 'otel_metric_sum', 'otel_metric_histogram', 'gpu_sample'],
  logs: ['otel_log', 'prediction', 'label', 'pipeline_event'],
};
const isKind = (k: string): k is EventKind => k in EVENT_KINDS;
const MAX_ERROR_MESSAGE = 2048;

/** POST /v1/traces, /v1/metrics and /v1/logs: OTLP/HTTP (protobuf or JSON, optionally gzip) into the bus. */
export function otlpRoutes(deps: OtlpDeps): Router {
  const converters: Record<OtlpSignal, Converter> = { traces: convertTraces, metrics: convertMetrics, logs: convertLogs, ...deps.converters };
  const r = Router();
  for (const signal of Object.keys(PATHS) as OtlpSignal[]) r.post(PATHS[signal], otlpHandler(signal, converters[signal], deps));
  return r;
}

function otlpHandler(signal: OtlpSignal, convert: Converter, deps: OtlpDeps) {
  const { metrics } = deps;
  const source = `otlp:${signal}`;
  // Kinds not (yet) registered have no sink to be congested.
  const kinds = SIGNAL_KINDS[signal].filter(isKind);
  const bodyKind = BODY_KIND[signal] as EventKind;
  return async (req: Request, res: Response) => {
    const receivedAtMs = deps.now();
    const encoding = encodingOf(req.headers['content-type']);
    try {
      if (!encoding) {
        throw new MlobsError(`Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')} is not an OTLP encoding (use application/x-protobuf or application/json)`, { reason: 'unsupported_media_type', retryable: false });
      }
      for (const k of kinds) {
        const pressure = deps.backpressure(k);
        if (pressure) throw pressure;
      }
      const body = await readBody(req, deps.bodyLimits);
      let converted: Converted;
      try {
        const request = decodeExport(signal, body, req.headers['content-type']);
        try {
          converted = convert(request, { nowMs: receivedAtMs, otlp: deps.otlp });
        } catch (e) {
          // protobufjs `fromObject` lets some ill-typed OTLP/JSON through (an array of arrays as
          // `bytesValue`); a converter tripping over one answers 400 and keeps the body, never 500.
          throw new MlobsError(`request could not be converted: ${errorMessage(e)}`, { reason: 'bad_otlp', retryable: false, cause: e });
        }
      } catch (e) {
        // Nothing of an undecodable body can be stored; keep it whole so nothing is lost silently.
        const err = e as MlobsError;
        const payload = encoding === 'protobuf' ? 'base64:' + body.toString('base64') : body;
        await deps.deadLetters.keep([{ kind: bodyKind, source, reason: err.reason ?? 'bad_otlp', error: err.message, payload, receivedAtMs }]);
        metrics.ingestEvents.inc({ kind: bodyKind, outcome: 'rejected' });
        throw err;
      }
      const { refused: invalid } = await publishConverted(converted.events, converted.invalid ?? [], { source, receivedAtMs }, deps);
      const rejected = converted.rejected + invalid.length;
      const errors = [...converted.errors, ...summariseRefusals(invalid)];
      const out = encodeResponse(signal, encoding, rejected ? { rejected, errorMessage: errors.join('; ').slice(0, MAX_ERROR_MESSAGE) } : undefined);
      metrics.ingestRequests.inc({ kind: bodyKind, code: '2xx' });
      res.status(200).type(out.contentType).send(out.body);
    } catch (e) {
      sendOtlpError(res, e, encoding, deps);
      metrics.ingestRequests.inc({ kind: bodyKind, code: `${res.statusCode / 100 | 0}xx` });
    }
  };
}

const STATUS: Record<string, number> = { body_too_large: 413, unsupported_media_type: 415 };

/**
 * The error answer OTLP/HTTP clients expect: a google.rpc.Status in the request's encoding, 503 with
 * Retry-After for anything worth retrying (the spec's retryable codes), 4xx for bad input.
 */
function sendOtlpError(res: Response, e: unknown, encoding: OtlpEncoding | null, deps: OtlpDeps): void {
  if (res.headersSent) return;
  let status: number;
  let message: string;
  if (e instanceof BackpressureError) {
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(e.retryAfterMs / 1000))));
    status = 503;
    message = e.message;
  } else if (e instanceof MlobsError && e.retryable) {
    deps.logger.warn('OTLP request failed transiently', { reason: e.reason, error: e.message });
    res.setHeader('Retry-After', '5');
    status = 503;
    message = e.message;
  } else if (e instanceof MlobsError) {
    status = STATUS[e.reason] ?? 400;
    message = e.message;
  } else {
    deps.logger.error('unexpected error handling an OTLP request', { error: errorMessage(e) });
    status = 500;
    message = 'internal error';
  }
  // gRPC codes of google.rpc.Status: INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNAVAILABLE, INTERNAL.
  const code = status === 503 ? 14 : status === 413 ? 8 : status === 500 ? 13 : 3;
  const out = encodeStatus(encoding ?? 'json', code, message);
  res.status(status).type(out.contentType).send(out.body);
}
