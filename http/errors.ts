import type { Response } from 'express';
import { BackpressureError, MlobsError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/log.js';

const STATUS_BY_REASON: Record<string, number> = {
  body_too_large: 413,
  bad_encoding: 400,
  invalid_utf8: 400,
  invalid_json: 400,
  empty_body: 400,
  bad_query: 400,
  bad_exposition: 400,
  unauthorized: 401,
};

/** Writes an error response: 503 + Retry-After for transient faults, 4xx naming the problem for bad input. */
export function sendError(res: Response, e: unknown, logger: Logger): void {
  if (res.headersSent) return;
  if (e instanceof BackpressureError) {
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(e.retryAfterMs / 1000))));
    res.status(503).json({ error: e.message, reason: e.reason });
    return;
  }
  if (e instanceof MlobsError) {
    if (e.retryable) {
      logger.warn('request failed transiently', { reason: e.reason, error: e.message });
      res.setHeader('Retry-After', '5');
      res.status(503).json({ error: e.message, reason: e.reason });
      return;
    }
    res.status(STATUS_BY_REASON[e.reason] ?? 400).json({ error: e.message, reason: e.reason });
    return;
  }
  logger.error('unexpected error handling request', { error: errorMessage(e) });
  res.status(500).json({ error: 'internal error', reason: 'internal' });
}
