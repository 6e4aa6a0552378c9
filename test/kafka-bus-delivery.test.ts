// The Bus contract on a real broker (the test command's), for each Kafka client of the data path:
// offsets are committed only after the handler took a batch, so a failing handler gets the same
// messages again, and a consumer started after a stop resumes right after the last committed batch.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/log.js';
import { KAFKA_DATA_CLIENTS, KafkaBus } from '../bus/kafka-bus.js';
import type { BusMessage } from '../bus/bus.js';
import { waitUntil } from './helpers/eventually.js';

const BROKERS = process.env.KAFKA_BROKERS;
if (!BROKERS) throw new Error('KAFKA_BROKERS is not set: run the tests with `npm test`, which starts the broker');
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const N = 600;
const id = (m: BusMessage) => `${m.partition}/${m.offset}`;

describe.each(KAFKA_DATA_CLIENTS)('the Kafka bus with the %s client', (client) => {
  const bus = new KafkaBus({ brokers: BROKERS.split(','), clientId: `delivery-${client}`, numPartitions: 3, publishTimeoutMs: 10_000, logger: silentLogger, dataClient: client });
  afterAll(() => bus.close());

  it('hands a batch the handler refused over again, and resumes after the last committed batch once restarted', async () => {
    const topic = `delivery${client}${RUN}`;
    const group = `g${client}${RUN}`;
    await bus.ensureTopics([topic]);
    for (let i = 0; i < N; i += 100) await bus.publish(topic, Array.from({ length: 100 }, (_, k) => ({ key: `k${(i + k) % 13}`, value: String(i + k) })));

    let refused: string[] | null = null;
    const first: BusMessage[][] = [];
    const c1 = await bus.consume({
      topics: [topic],
      groupId: group,
      maxBatchSize: 50,
      maxWaitMs: 20,
      onHandlerError: () => 10,
      handler: async (batch) => {
        if (!refused) {
          refused = batch.map(id);
          throw new Error('storage unavailable');
        }
        // Past 150 it refuses everything (storage down again) until stopped: none of that may be committed.
        if (first.flat().length >= 150) throw new Error('storage unavailable');
        first.push(batch);
      },
    });
    await waitUntil(() => first.flat().length >= 150, { timeoutMs: 60_000, what: 'the first consumer took 150 messages' });
    const taken = first.flat().length;
    await c1.stop();
    // The batch after the refusal is the refused one, message for message.
    expect(first[0]!.map(id)).toEqual(refused);

    const second: BusMessage[] = [];
    const c2 = await bus.consume({ topics: [topic], groupId: group, maxBatchSize: 50, maxWaitMs: 20, handler: async (batch) => void second.push(...batch) });
    try {
      const seen = () => new Set([...first.flat(), ...second].map(id)).size;
      await waitUntil(() => seen() === N, { timeoutMs: 60_000, what: `all ${N} messages consumed across both consumers` });
    } finally {
      await c2.stop();
    }
    // What the first consumer's handler took was committed: none of it comes again, and nothing is missing.
    const before = new Set(first.flat().map(id));
    expect(second.filter((m) => before.has(id(m))).map(id)).toEqual([]);
    expect(new Set([...first.flat(), ...second].map((m) => m.value.toString()))).toEqual(new Set(Array.from({ length: N }, (_, i) => String(i))));
    expect(first.flat().length).toBe(taken);
    expect(second.length).toBe(N - taken);
  }, 150_000);
});
