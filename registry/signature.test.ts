import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HEADER, sign, verify } from './signature.js';

const SECRET = 'whsec-mlobs-test-0123456789';
const BODY = readFileSync(new URL('./testdata/mlflow/model_version.created.json', import.meta.url));
const ID = '3f1c6b1e-8a0e-4a7e-9d55-0d0f2b1f0b6e';
const TS = '1753950452';
const NOW = Number(TS) * 1000 + 2000;
// Computed with Python's hmac exactly as MLflow's docs verify it (verify_mlflow_signature):
// "v1," + base64(HMAC-SHA256(secret, f"{delivery_id}.{timestamp}.{payload}")), on this file's bytes.
const PYTHON_SIGNATURE = 'v1,5bQyBskc9YA48mLqE1SnZCmFNw+/IgbxrIjGuXeaAOU=';

const headers = (over: Record<string, string | undefined> = {}) => ({ [HEADER.signature]: PYTHON_SIGNATURE, [HEADER.deliveryId]: ID, [HEADER.timestamp]: TS, ...over });

describe('MLflow webhook signatures', () => {
  it('signs a delivery as MLflow documents it, byte for byte with a Python computation', () => {
    expect(sign(SECRET, ID, TS, BODY)).toBe(PYTHON_SIGNATURE);
  });

  it('accepts a genuine delivery and returns its delivery id and timestamp', () => {
    expect(verify(headers(), BODY, SECRET, NOW, 300)).toEqual({ ok: true, deliveryId: ID, timestampS: Number(TS) });
  });

  it('refuses a body altered by one byte', () => {
    const tampered = Buffer.from(BODY.toString('utf8').replace('"version": "1"', '"version": "2"'));
    expect(verify(headers(), tampered, SECRET, NOW, 300)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a delivery signed with another secret', () => {
    expect(verify(headers(), BODY, SECRET + 'x', NOW, 300)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a signature bound to another delivery id or timestamp (they are signed too)', () => {
    expect(verify(headers({ [HEADER.deliveryId]: ID.replace('3f', '4f') }), BODY, SECRET, NOW, 300)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verify(headers({ [HEADER.timestamp]: String(Number(TS) + 1) }), BODY, SECRET, NOW, 300)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it("refuses the format an older page of MLflow's docs showed, 'sha256=<hex>' over the body alone (MLflow 3.x sends v1)", () => {
    const old = 'sha256=' + createHmac('sha256', SECRET).update(BODY).digest('hex');
    expect(verify(headers({ [HEADER.signature]: old }), BODY, SECRET, NOW, 300)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a timestamp beyond the tolerance either way, naming the skew, and accepts one just inside', () => {
    const at = (offsetS: number) => verify(headers(), BODY, SECRET, Number(TS) * 1000 + offsetS * 1000, 300);
    expect(at(300)).toMatchObject({ ok: true });
    expect(at(-300)).toMatchObject({ ok: true });
    const stale = at(301);
    expect(stale).toMatchObject({ ok: false, reason: 'stale_timestamp' });
    expect(!stale.ok && stale.message).toMatch(/301 s from now, beyond the tolerance of 300 s/);
    expect(at(-301)).toMatchObject({ ok: false, reason: 'stale_timestamp' });
  });

  it('refuses a timestamp that is not Unix seconds', () => {
    expect(verify(headers({ [HEADER.timestamp]: '2025-07-31T08:27:32Z' }), BODY, SECRET, NOW, 300)).toMatchObject({ ok: false, reason: 'bad_timestamp' });
  });

  it.each([
    [HEADER.signature, 'missing_signature'],
    [HEADER.deliveryId, 'missing_delivery_id'],
    [HEADER.timestamp, 'missing_timestamp'],
  ])('refuses a delivery without the %s header', (name, reason) => {
    expect(verify(headers({ [name]: undefined }), BODY, SECRET, NOW, 300)).toMatchObject({ ok: false, reason });
  });
});
