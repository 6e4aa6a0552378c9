// The detect lease on the real broker (KAFKA_BROKERS, started by the test command): election by group
// membership, fencing by the transactional producer, state read to its end by the next holder.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { silentLogger } from '../core/log.js';
import { MlobsError } from '../core/errors.js';
import { waitUntil } from '../test/helpers/eventually.js';
import { KafkaBus } from './kafka-bus.js';
import type { Lease, LeaseOptions } from './bus.js';

const BROKERS = process.env.KAFKA_BROKERS;
if (!BROKERS) throw new Error('KAFKA_BROKERS is not set: run the tests with `npm test`, which starts the broker');
const OPTS: LeaseOptions = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, marginMs: 2_000 };

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => {});
}, 60_000);

function bus(now?: () => number): KafkaBus {
  const b = new KafkaBus({ brokers: BROKERS!.split(','), clientId: 'lease-test', numPartitions: 1, publishTimeoutMs: 5_000, logger: silentLogger, now });
  cleanup.push(() => b.close());
  return b;
}
const unique = () => `lease${Date.now().toString(36)}${randomBytes(3).toString('hex')}.`;

describe('the Kafka lease', () => {
  it('is held by exactly one of two processes, and passes to the other when the holder leaves', async () => {
    const name = `${unique()}detect`;
    const a = await bus().lease(name, OPTS);
    await waitUntil(() => a.isHeld(), { timeoutMs: 30_000, what: 'the first process takes the lease' });
    const b = await bus().lease(name, OPTS);
    let bAcquired = 0;
    b.onAcquired(() => bAcquired++);
    // b has joined (a rebalance happened) and the holder kept its lease: it claims it in the join.
    const admin = new Kafka({ brokers: BROKERS!.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    await waitUntil(async () => {
      const g = (await admin.describeGroups([`${name}.lease`])).groups[0];
      return g?.state === 'Stable' && g.members.length === 2;
    }, { timeoutMs: 30_000, intervalMs: 200, what: 'both processes are members of a stable group' });
    expect(a.isHeld()).toBe(true);
    expect(b.isHeld()).toBe(false);
    await a.stop();
    await waitUntil(() => b.isHeld(), { timeoutMs: 30_000, what: 'the second process takes the lease after the first left' });
    expect(bAcquired).toBe(1);
  }, 90_000);

  it('refuses writes once a newer producer with the lease\'s transactional id fenced it, and counts the lease lost', async () => {
    const name = `${unique()}detect`;
    const a = await bus().lease(name, OPTS);
    await waitUntil(() => a.isHeld(), { timeoutMs: 30_000, what: 'the lease is taken' });
    const lost: string[] = [];
    a.onLost((r) => lost.push(r));
    await a.fence(`${name}.state`, [{ key: 'k', value: 'before' }]);
    // What a new holder does when it acquires: initialise the same transactional id, bumping the epoch.
    const usurper = new Kafka({ brokers: BROKERS!.split(','), logLevel: logLevel.NOTHING }).producer({ transactionalId: `${name}.lease`, maxInFlightRequests: 1, idempotent: true });
    await usurper.connect();
    await (await usurper.transaction()).abort(); // kafkajs initialises the transactional id here
    cleanup.push(() => usurper.disconnect());
    const err = await a.fence(`${name}.state`, [{ key: 'k', value: 'after' }]).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(MlobsError);
    expect((err as MlobsError).reason).toBe('fenced');
    expect(a.isHeld()).toBe(false);
    expect(lost).toEqual(['fenced by a newer holder']);
  }, 90_000);

  it('gives the next holder the state the previous ones wrote, read to its end, deletions included', async () => {
    const name = `${unique()}detect`;
    const topic = `${name}.state`;
    const a = await bus().lease(name, OPTS);
    await waitUntil(() => a.isHeld(), { timeoutMs: 30_000, what: 'the lease is taken' });
    await a.fence(topic, [{ key: 'alert:1', value: 'firing' }, { key: 'alert:2', value: 'firing' }]);
    await a.fence(topic, [{ key: 'alert:1', value: 'resolved' }, { key: 'alert:2', value: null }]);
    await a.stop();
    const b: Lease = await bus().lease(name, OPTS);
    await waitUntil(() => b.isHeld(), { timeoutMs: 30_000, what: 'the next process takes the lease' });
    expect([...(await b.readState(topic))]).toEqual([['alert:1', 'resolved']]);
  }, 90_000);

  it('counts the lease lost once the session timeout minus the margin passed since the last heartbeat, before any timer runs', async () => {
    let skew = 0;
    const a = await bus(() => Date.now() + skew).lease(`${unique()}detect`, OPTS);
    await waitUntil(() => a.isHeld(), { timeoutMs: 30_000, what: 'the lease is taken' });
    // As after SIGSTOP/SIGCONT: the clock jumped past the deadline and no heartbeat came in between.
    skew = OPTS.sessionTimeoutMs - OPTS.marginMs;
    expect(a.isHeld()).toBe(false);
    const err = await a.fence('unused', [{ key: 'k', value: 'v' }]).then(() => null, (e) => e);
    expect((err as MlobsError).reason).toBe('lease_lost');
  }, 90_000);
});
