import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../test/helpers/stack.js';

let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  s = await testStack({ server: { authToken: 'correct-horse-battery-staple' } });
});
afterAll(async () => s?.stop());

const body = [{ model: 'auth-model', prediction_id: 'a1', timestamp: Date.now() - 1000, prediction: 1 }];

describe('bearer token', () => {
  it('is required for ingest and SQL once configured', async () => {
    const res = await s.post('/v1/predictions', body);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect((await s.post('/v1/predictions', body, { authorization: 'Bearer wrong-token-of-same-size!!' })).status).toBe(401);
    expect((await s.post('/v1/sql', { query: 'SELECT 1' })).status).toBe(401);
  });

  it('lets requests with the right token through', async () => {
    expect((await s.post('/v1/predictions', body, { authorization: 'Bearer correct-horse-battery-staple' })).status).toBe(202);
  });

  it('accepts the token as the password of basic auth or as X-ClickHouse-Key, as ClickHouse clients send it', async () => {
    const basic = 'Basic ' + Buffer.from('grafana:correct-horse-battery-staple').toString('base64');
    expect((await s.post('/v1/sql', { query: 'SELECT 1' }, { authorization: basic })).status).toBe(200);
    expect((await s.post('/v1/sql', { query: 'SELECT 1' }, { 'x-clickhouse-key': 'correct-horse-battery-staple' })).status).toBe(200);
    expect((await s.post('/v1/sql', { query: 'SELECT 1' }, { authorization: 'Basic ' + Buffer.from('grafana:nope').toString('base64') })).status).toBe(401);
  });

  it('leaves health and metrics open for probes and scrapers', async () => {
    expect((await fetch(s.url + '/healthz')).status).toBe(200);
    expect((await fetch(s.url + '/metrics')).status).toBe(200);
  });
});
