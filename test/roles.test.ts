// Processes running part of the fleet, on the test command's broker (KAFKA_BROKERS).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testStack } from './helpers/stack.js';

const BROKERS = process.env.KAFKA_BROKERS;
if (!BROKERS) throw new Error('KAFKA_BROKERS is not set: run the tests with `npm test`, which starts the broker');
const prefix = () => `roles${Date.now().toString(36)}${randomBytes(3).toString('hex')}.`;
const stacks: Awaited<ReturnType<typeof testStack>>[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.stop();
}, 60_000);

describe('roles', () => {
  it('serves ingest without storage: validates, publishes to Kafka, and offers no read API', async () => {
    const s = await testStack({ roles: ['ingest'], kafka: { brokers: BROKERS!.split(','), topicPrefix: prefix() } });
    stacks.push(s);
    const res = await s.post('/v1/predictions', [{ model: 'm', prediction_id: 'p1', timestamp: Date.now(), features: {}, prediction: 1 }, { model: 'm' }]);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1, reason: 'schema_violation' }] });
    expect((await s.post('/v1/sql', { query: 'SELECT 1' })).status).toBe(404);
    expect(existsSync(join(s.dataDir, 'mlobs.lock'))).toBe(false);
    const ready = await (await fetch(`${s.url}/readyz`)).json();
    expect(ready).toMatchObject({ status: 'ready', roles: { ingest: {} } });
    expect(s.sinks).toHaveLength(0);
    expect(s.jobs).toEqual([]);
  });

  it('reports per role on /readyz, and runs the fleet-wide jobs of a detect process only while it leads', async () => {
    const p = prefix();
    const s = await testStack({ roles: ['sink', 'detect'], kafka: { brokers: BROKERS!.split(','), topicPrefix: p, groupId: `${p}sink` }, fleet: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, leaseMarginMs: 2000 } });
    stacks.push(s);
    const ready = async () => (await (await fetch(`${s.url}/readyz`)).json()) as any;
    await expect.poll(async () => (await ready()).roles?.detect?.leader, { timeout: 30_000, interval: 100 }).toBe(true);
    expect((await ready()).roles.sink).toEqual({ sinks: s.sinks.length, degraded: [] });
    expect(s.jobs.filter((j) => j.scope === 'fleet').map((j) => j.name)).toContain('alerting.evaluate-and-deliver');
    expect((await (await fetch(`${s.url}/metrics`)).text())).toMatch(/^mlobs_fleet_leader 1$/m);
  });
});
