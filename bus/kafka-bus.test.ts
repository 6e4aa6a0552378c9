// The Kafka bus when no broker answers; recovery with a real broker is in test/kafka-outage.test.ts.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/log.js';
import { MlobsError } from '../core/errors.js';
import { freePort } from '../test/helpers/process.js';
import type { Kafka } from 'kafkajs';
import { KAFKA_DATA_CLIENTS, KafkaBus, type KafkaDataClient } from './kafka-bus.js';

const BOUND_MS = 300;
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A TCP server that accepts connections and never answers: a hung broker, the case no kafkajs retry ends quickly. */
async function silentBroker(): Promise<string> {
  const sockets = new Set<Socket>();
  const srv: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  cleanup.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => srv.close(r));
  });
  return `127.0.0.1:${(srv.address() as { port: number }).port}`;
}

function bus(broker: string, dataClient: KafkaDataClient): KafkaBus {
  const b = new KafkaBus({ brokers: [broker], clientId: 'test', numPartitions: 1, publishTimeoutMs: BOUND_MS, probeIntervalMs: 50, logger: silentLogger, dataClient });
  cleanup.push(() => b.close());
  return b;
}

async function publishError(b: KafkaBus): Promise<{ err: MlobsError; ms: number }> {
  const t0 = Date.now();
  const err = await b.publish('t', [{ value: 'x' }]).then(
    () => {
      throw new Error('publish succeeded without a broker');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MlobsError);
  return { err: err as MlobsError, ms: Date.now() - t0 };
}

describe.each(KAFKA_DATA_CLIENTS)('KafkaBus with the %s client without a reachable broker', (client) => {
  it('fails a publish to a broker that never answers with a retryable kafka_unavailable naming the brokers, in about publishTimeoutMs', async () => {
    const broker = await silentBroker();
    const b = bus(broker, client);
    expect(b.health()).toEqual({ up: true });
    const { err, ms } = await publishError(b);
    expect(err).toMatchObject({ reason: 'kafka_unavailable', retryable: true });
    expect(err.message).toContain(broker);
    expect(err.message).toContain('kafka.publishTimeoutMs');
    // Either client alone would wait its 10 s request timeout per attempt, five times over.
    expect(ms).toBeGreaterThanOrEqual(BOUND_MS - 5);
    expect(ms).toBeLessThan(5_000);
  });

  it('reports itself down once a publish failed, and fails the next publishes at once instead of waiting again', async () => {
    const broker = await silentBroker();
    const b = bus(broker, client);
    await publishError(b);
    const health = b.health();
    expect(health.up).toBe(false);
    expect(health.detail).toMatch(new RegExp(`^kafka unreachable \\(brokers ${broker}\\) since `));
    const again = await publishError(b);
    expect(again.err).toMatchObject({ reason: 'kafka_unavailable', retryable: true });
    expect(again.err.message).toMatch(/down since/);
    expect(again.err.message).toContain(broker);
  });

  it('treats a refused connection as the brokers being unavailable', async () => {
    const broker = `127.0.0.1:${await freePort()}`;
    const b = bus(broker, client);
    const { err } = await publishError(b);
    expect(err).toMatchObject({ reason: 'kafka_unavailable', retryable: true });
    expect(err.message).toContain(broker);
    expect(b.health().up).toBe(false);
  });
});

/** A kafkajs client whose one consumer records its runs and lets the test emit its instrumentation events. */
function fakeConsumerClient() {
  const listeners = new Map<string, ((e: { payload: unknown }) => void)[]>();
  let runs = 0;
  const consumer = {
    events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' },
    on: (event: string, fn: (e: { payload: unknown }) => void) => listeners.set(event, [...(listeners.get(event) ?? []), fn]),
    connect: async () => {},
    subscribe: async () => {},
    run: async () => {
      runs++;
    },
    disconnect: async () => {},
  };
  const client = { consumer: () => consumer, producer: () => ({}) } as unknown as Kafka;
  const emit = (event: string, payload: unknown) => listeners.get(event)?.forEach((f) => f({ payload }));
  return { client, emit, runs: () => runs };
}

describe('KafkaBus options', () => {
  it('refuses an unknown data client and lz4 on kafkajs, naming the setting', () => {
    const o = { brokers: ['127.0.0.1:9'], clientId: 'test', numPartitions: 1, publishTimeoutMs: BOUND_MS, logger: silentLogger };
    expect(() => new KafkaBus({ ...o, dataClient: 'rdkafka' as KafkaDataClient })).toThrow(/kafka\.client must be one of kafkajs, platformatic, got "rdkafka"/);
    expect(() => new KafkaBus({ ...o, dataClient: 'kafkajs', compression: 'lz4' })).toThrow(/kafka\.compression lz4 needs kafka\.client platformatic/);
  });
});

describe('KafkaBus consumers', () => {
  it('restarts a consumer that crashed on an error kafkajs does not restart for, and is unready until it has rejoined', async () => {
    const f = fakeConsumerClient();
    const b = new KafkaBus({ brokers: ['127.0.0.1:9'], clientId: 'test', numPartitions: 1, publishTimeoutMs: BOUND_MS, logger: silentLogger, client: f.client, dataClient: 'kafkajs' });
    cleanup.push(() => b.close());
    await b.consume({ topics: ['t'], groupId: 'g', maxBatchSize: 10, maxWaitMs: 10, handler: async () => {} });
    expect(f.runs()).toBe(1);
    // What kafkajs reports when a broker comes back before its group coordinator: not retriable, no restart.
    f.emit('consumer.crash', { error: new Error('Failed to find group coordinator'), groupId: 'g', restart: false });
    expect(b.health()).toEqual({ up: false, detail: expect.stringContaining('consumer g crashed (Failed to find group coordinator)') });
    const end = Date.now() + 10_000;
    while (f.runs() < 2) {
      if (Date.now() > end) throw new Error('the crashed consumer was not restarted within 10 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(b.health().up).toBe(false);
    f.emit('consumer.group_join', { groupId: 'g' });
    expect(b.health()).toEqual({ up: true });
  });
});
