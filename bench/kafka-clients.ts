// npm run bench:kafka-clients — the Kafka leg of the ingest path alone: produce the same prediction
// events (one NDJSON line each, as the HTTP edge publishes them) in sends like the edge's, and consume
// them in one group with a commit per batch, like the sink; no parsing, no storage. Run for each client
// and setting in one process, alternating, so that the ratios between them hold on a busy machine.
// It is the Kafka ceiling of the whole path (bench/ingest.ts prints it beside the path) and the
// measurement behind the choice of client (bench/RESULTS.md notes).
import { Kafka, CompressionTypes, logLevel, Partitioners } from 'kafkajs';
import { Consumer as PConsumer, Producer as PProducer, ProduceAcks, stringSerializers } from '@platformatic/kafka';
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { REPO } from '../test/helpers/process.js';
import { BENCH_KAFKA_PORT } from './load.js';

export interface ClientCase {
  client: 'kafkajs' | '@platformatic/kafka';
  /** Messages per send: 1000 is one HTTP request's batch; 2000 is what a linger gathers from 2 concurrent requests (4 of them exceed the broker's 1 MB message.max.bytes). */
  perSend: number;
  compression: 'none' | 'gzip' | 'lz4' | 'zstd';
}

export interface ClientResult extends ClientCase {
  /** Events per second from the first send until the consumer has seen every event. */
  eventsPerSec: number;
  /** Events per second the producer alone took them in. */
  producePerSec: number;
  /** CPU time of this process (both ends) per 1,000 events, ms. */
  cpuMsPer1k: number;
}

const start = Date.now() - 3_600_000;
export function eventLines(n: number, tag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const features: Record<string, number> = {};
    for (let f = 0; f < 20; f++) features[`f${f}`] = ((i * 7919 + f * 104729) % 100_003) / 1000;
    out.push(JSON.stringify({ model: `bench-${tag}`, prediction_id: `${tag}-${i}`, timestamp: start + i, features, prediction: i % 2, score: (i % 100) / 100, latency_ms: 5 }));
  }
  return out;
}

const KAFKAJS_CODEC = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD } as const;

async function runKafkajs(brokers: string[], topic: string, lines: string[], c: ClientCase, groupId: string): Promise<{ total: number; produce: number }> {
  const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
  await admin.disconnect();
  // The stack's producer: idempotent, one send in flight (bus/kafka-publisher.ts says why).
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId, minBytes: 1, maxWaitTimeInMs: 250, maxBytesPerPartition: 16 << 20, maxBytes: 64 << 20 });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }) => {
      seen += batch.messages.length;
      const last = batch.messages[batch.messages.length - 1]!.offset;
      resolveOffset(last);
      await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(BigInt(last) + 1n) }] }] });
      await heartbeat();
      if (seen >= lines.length) done();
    },
  });
  const t0 = performance.now();
  for (let i = 0; i < lines.length; i += c.perSend) {
    await producer.send({ topic, acks: -1, compression: KAFKAJS_CODEC[c.compression], messages: lines.slice(i, i + c.perSend).map((value) => ({ key: 'bench', value })) });
  }
  const produced = performance.now();
  await all;
  const total = performance.now() - t0;
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  return { total, produce: produced - t0 };
}

async function runPlatformatic(brokers: string[], topic: string, lines: string[], c: ClientCase, groupId: string): Promise<{ total: number; produce: number }> {
  const kafka = new Kafka({ clientId: 'bench-admin', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
  await admin.disconnect();
  const producer = new PProducer({ clientId: 'bench', bootstrapBrokers: brokers, serializers: stringSerializers, idempotent: true, acks: ProduceAcks.ALL, ...(c.compression === 'none' ? {} : { compression: c.compression }) });
  const consumer = new PConsumer({ clientId: 'bench', groupId, bootstrapBrokers: brokers, minBytes: 1, maxWaitTime: 250, maxBytes: 64 << 20 });
  let seen = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 3_000 });
  stream.on('data', (m) => {
    seen++;
    // A commit per 1,000 messages, like the sink's commit per batch.
    if (seen % 1000 === 0 || seen >= lines.length) void (m.commit() as Promise<void>)?.catch?.(() => {});
    if (seen >= lines.length) done();
  });
  const t0 = performance.now();
  for (let i = 0; i < lines.length; i += c.perSend) {
    await producer.send({ messages: lines.slice(i, i + c.perSend).map((value) => ({ topic, key: 'bench', value })) });
  }
  const produced = performance.now();
  await all;
  const total = performance.now() - t0;
  await stream.close();
  await Promise.all([producer.close(), consumer.close(true)]);
  return { total, produce: produced - t0 };
}

export async function runCase(brokers: string[], c: ClientCase, n: number, tag: string): Promise<ClientResult | { error: string } & ClientCase> {
  const lines = eventLines(n, tag);
  const topic = `benchclients.${tag}.${Date.now()}`;
  const cpu0 = process.cpuUsage();
  try {
    const run = c.client === 'kafkajs' ? runKafkajs : runPlatformatic;
    const { total, produce } = await run(brokers, topic, lines, c, `bench-${tag}-${Date.now()}`);
    const cpu = process.cpuUsage(cpu0);
    return { ...c, eventsPerSec: n / (total / 1000), producePerSec: n / (produce / 1000), cpuMsPer1k: (cpu.user + cpu.system) / 1000 / (n / 1000) };
  } catch (e) {
    return { ...c, error: (e as Error).message.split('\n')[0]!.slice(0, 160) };
  }
}

export const CASES: ClientCase[] = [
  { client: 'kafkajs', perSend: 1000, compression: 'none' },
  { client: '@platformatic/kafka', perSend: 1000, compression: 'none' },
  { client: 'kafkajs', perSend: 2000, compression: 'none' },
  { client: '@platformatic/kafka', perSend: 2000, compression: 'none' },
  { client: 'kafkajs', perSend: 1000, compression: 'gzip' },
  { client: '@platformatic/kafka', perSend: 1000, compression: 'gzip' },
  { client: 'kafkajs', perSend: 1000, compression: 'lz4' },
  { client: '@platformatic/kafka', perSend: 1000, compression: 'lz4' },
  { client: 'kafkajs', perSend: 1000, compression: 'zstd' },
  { client: '@platformatic/kafka', perSend: 1000, compression: 'zstd' },
];

export function describe(r: ClientResult | ({ error: string } & ClientCase)): string {
  const name = `${r.client}, ${r.perSend} per send, ${r.compression}`;
  if ('error' in r) return `| ${name} | not supported here: ${r.error} | | |`;
  return `| ${name} | ${Math.round(r.eventsPerSec).toLocaleString('en-US')} | ${Math.round(r.producePerSec).toLocaleString('en-US')} | ${r.cpuMsPer1k.toFixed(1)} |`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.env.BENCH_EVENTS ?? 200_000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  let brokers = process.env.KAFKA_BROKERS;
  let started = false;
  if (!brokers) {
    const out = execFileSync('bash', ['deploy/kafka/kafka.sh', 'start', '--port', BENCH_KAFKA_PORT], { cwd: REPO, encoding: 'utf8' });
    brokers = /KAFKA_BROKERS=(\S+)/.exec(out)![1]!;
    started = true;
  }
  try {
    console.log(`| client, messages per send, compression | produce + consume, events/s | produce alone, events/s | CPU ms of this process per 1k events |`);
    console.log('|---|---|---|---|');
    for (let round = 0; round < rounds; round++) {
      for (const [i, c] of CASES.entries()) {
        const r = await runCase(brokers.split(','), c, n, `r${round}c${i}`);
        console.log(`${describe(r)} <!-- round ${round + 1}, load ${loadavg()[0]!.toFixed(2)} -->`);
      }
    }
  } finally {
    if (started) execFileSync('bash', ['deploy/kafka/kafka.sh', 'stop', '--port', BENCH_KAFKA_PORT], { cwd: REPO });
  }
}
