// Integration test: kafkajs 2.2.4 against the local KRaft broker from
// deploy/kafka/kafka.sh (Kafka 4.x). Checks the client features the bus relies
// on: admin topic creation, producing, and a consumer group with manual
// commits (eachBatch + autoCommit:false + commitOffsets) that resumes from the
// committed offsets after a restart.
//
//   eval "$(deploy/kafka/kafka.sh start | grep ^KAFKA_BROKERS=)" && export KAFKA_BROKERS
//   npx vitest run test/kafka-broker.test.ts
//   deploy/kafka/kafka.sh stop
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type EachBatchPayload } from 'kafkajs';

const BROKERS = process.env.KAFKA_BROKERS;
const RUN = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const TOPIC = `mlobs-test-broker-${RUN}`;
const GROUP = `mlobs-test-group-${RUN}`;
const PARTITIONS = 3;
const TOTAL = 1000;
// The first consumer processes and commits only this many messages per
// partition, then leaves the group; the second must start exactly here.
const FIRST_RUN_CAP = 150;

type Seen = { partition: number; offset: number; value: string };

function kafka(): Kafka {
  if (!BROKERS) {
    throw new Error(
      'KAFKA_BROKERS is not set. Start a broker first: ' +
        'eval "$(deploy/kafka/kafka.sh start | grep ^KAFKA_BROKERS=)" && export KAFKA_BROKERS',
    );
  }
  return new Kafka({
    clientId: `mlobs-test-${RUN}`,
    brokers: BROKERS.split(','),
    logLevel: logLevel.ERROR,
    retry: { retries: 5 },
  });
}

/** Runs a consumer in GROUP until `done(seen)` holds, committing manually per batch. */
async function consumeUntil(
  client: Kafka,
  opts: { capPerPartition?: number; done: (seen: Seen[]) => boolean; timeoutMs: number },
): Promise<Seen[]> {
  const consumer: Consumer = client.consumer({
    groupId: GROUP,
    // Small fetches so a partition arrives in several batches and we commit
    // more than once per partition.
    maxBytesPerPartition: 2048,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const seen: Seen[] = [];
  const processed = new Map<number, number>(); // partition -> messages handled in this run
  let resolveDone!: () => void;
  let rejectDone!: (e: unknown) => void;
  const finished = new Promise<void>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  const timer = setTimeout(
    () => rejectDone(new Error(`consumer timed out after ${opts.timeoutMs} ms with ${seen.length} messages`)),
    opts.timeoutMs,
  );

  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload) => {
        let last: string | undefined;
        for (const m of batch.messages) {
          if (!isRunning() || isStale()) break;
          const n = processed.get(batch.partition) ?? 0;
          if (opts.capPerPartition !== undefined && n >= opts.capPerPartition) break;
          seen.push({ partition: batch.partition, offset: Number(m.offset), value: m.value?.toString() ?? '' });
          processed.set(batch.partition, n + 1);
          resolveOffset(m.offset);
          last = m.offset;
        }
        if (last !== undefined) {
          // Explicit commit of "next offset to read" -- the behaviour under test.
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
          ]);
          // With autoCommit:false this must be a no-op (nothing beyond our explicit commit).
          await commitOffsetsIfNecessary();
        }
        await heartbeat();
        if (opts.done(seen)) resolveDone();
      },
    });
    await finished;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return seen;
}

describe('kafkajs against the local Kafka broker', () => {
  let client: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    client = kafka();
    admin = client.admin();
    await admin.connect();
  });

  afterAll(async () => {
    if (!admin) return;
    await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates a topic via admin', async () => {
    const created = await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    expect(meta.topics[0]?.partitions).toHaveLength(PARTITIONS);
  });

  it(`produces ${TOTAL} messages`, async () => {
    // Explicit partitioner: silences kafkajs 2.x's "default partitioner changed" warning.
    const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      for (let start = 0; start < TOTAL; start += 100) {
        const messages = Array.from({ length: 100 }, (_, j) => {
          const i = start + j;
          // Explicit partition = i % 3 makes the per-partition split deterministic.
          return { key: `k${i}`, value: `m${i}`, partition: i % PARTITIONS };
        });
        await producer.send({ topic: TOPIC, acks: -1, messages });
      }
    } finally {
      await producer.disconnect();
    }
    const offsets = await admin.fetchTopicOffsets(TOPIC);
    const total = offsets.reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
    expect(total).toBe(TOTAL);
  });

  it('consumes with eachBatch + manual commitOffsets and resumes from the committed offset', async () => {
    // Run 1: take FIRST_RUN_CAP messages from every partition, commit, leave.
    const first = await consumeUntil(client, {
      capPerPartition: FIRST_RUN_CAP,
      timeoutMs: 45_000,
      done: (seen) => seen.length >= FIRST_RUN_CAP * PARTITIONS,
    });
    expect(first).toHaveLength(FIRST_RUN_CAP * PARTITIONS);

    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    const byPartition = Object.fromEntries(committed[0]!.partitions.map((p) => [p.partition, p.offset]));
    expect(byPartition).toEqual({ 0: String(FIRST_RUN_CAP), 1: String(FIRST_RUN_CAP), 2: String(FIRST_RUN_CAP) });

    // Run 2: same group, new consumer; must pick up exactly where run 1 committed.
    const remaining = TOTAL - FIRST_RUN_CAP * PARTITIONS;
    const second = await consumeUntil(client, {
      timeoutMs: 45_000,
      done: (seen) => seen.length >= remaining,
    });
    expect(second).toHaveLength(remaining);
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = second.filter((s) => s.partition === p).map((s) => s.offset);
      expect(Math.min(...offsets), `partition ${p} resumed at`).toBe(FIRST_RUN_CAP);
    }

    // Together the two runs saw every message exactly once.
    const all = [...first, ...second].map((s) => s.value);
    expect(new Set(all).size).toBe(TOTAL);
    expect(new Set(all)).toEqual(new Set(Array.from({ length: TOTAL }, (_, i) => `m${i}`)));

    // And the group's committed offsets are now at the end of the log.
    const end = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    const high = await admin.fetchTopicOffsets(TOPIC);
    for (const p of end[0]!.partitions) {
      expect(p.offset, `partition ${p.partition}`).toBe(high.find((h) => h.partition === p.partition)!.high);
    }
  });
});
