/**
 * MLflow's webhook signature, as MLflow 3.x documents it (docs "Webhooks" → Security, and its
 * sender mlflow/webhooks/delivery.py): headers X-MLflow-Delivery-Id, X-MLflow-Timestamp (Unix
 * seconds) and X-MLflow-Signature = "v1," + base64(HMAC-SHA256(secret, "<delivery id>.<timestamp>.<body>")),
 * over the raw body. Pure: the clock is passed in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const HEADER = { signature: 'x-mlflow-signature', timestamp: 'x-mlflow-timestamp', deliveryId: 'x-mlflow-delivery-id' } as const;
const VERSION = 'v1,';

export type Verdict =
  | { ok: true; deliveryId: string; timestampS: number }
  | { ok: false; reason: 'missing_signature' | 'missing_delivery_id' | 'missing_timestamp' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature'; message: string };

/** The signature MLflow sends for this delivery. */
export function sign(secret: string, deliveryId: string, timestamp: string, body: Buffer | string): string {
  const mac = createHmac('sha256', Buffer.from(secret, 'utf8'));
  mac.update(`${deliveryId}.${timestamp}.`, 'utf8');
  mac.update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  return VERSION + mac.digest('base64');
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** Checks a delivery's headers and raw body against the secret, and its timestamp against now ± toleranceS. */
export function verify(headers: Record<string, string | string[] | undefined>, body: Buffer, secret: string, nowMs: number, toleranceS: number): Verdict {
  const signature = one(headers[HEADER.signature]);
  const deliveryId = one(headers[HEADER.deliveryId]);
  const timestamp = one(headers[HEADER.timestamp]);
  if (!signature) return { ok: false, reason: 'missing_signature', message: 'no X-MLflow-Signature header: create the MLflow webhook with a secret' };
  if (!deliveryId) return { ok: false, reason: 'missing_delivery_id', message: 'no X-MLflow-Delivery-Id header' };
  if (!timestamp) return { ok: false, reason: 'missing_timestamp', message: 'no X-MLflow-Timestamp header' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad_timestamp', message: `X-MLflow-Timestamp must be Unix seconds, got ${JSON.stringify(timestamp.slice(0, 32))}` };
  const timestampS = Number(timestamp);
  const skewS = Math.abs(nowMs / 1000 - timestampS);
  // Checked before the HMAC is believed: a captured delivery replayed later is refused even though its signature is genuine.
  if (skewS > toleranceS) {
    return { ok: false, reason: 'stale_timestamp', message: `X-MLflow-Timestamp ${timestamp} is ${Math.round(skewS)} s from now, beyond the tolerance of ${toleranceS} s (a replay, or clocks out of sync)` };
  }
  const expected = Buffer.from(sign(secret, deliveryId, timestamp, body), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch is a wrong signature and leaks nothing about the secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature', message: 'X-MLflow-Signature does not match the body: wrong secret, or the body was altered' };
  }
  return { ok: true, deliveryId, timestampS };
}
