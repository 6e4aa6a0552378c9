// The trust header through a real broker (started by the test command): what mlobs's ingest signs
// arrives with its header and is taken unvalidated; the same bytes with a forged header are validated.
// Once per Kafka client of the data path (kafka.client).
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/log.js';
import { KAFKA_DATA_CLIENTS, KafkaBus } from '../bus/kafka-bus.js';
import type { BusMessage } from '../bus/bus.js';
import { ProducerTrust, TRUST_HEADER } from '../bus/trust.js';
import { decodeStage } from '../sink/stages.js';
import { waitUntil } from './helpers/eventually.js';
import { eventually } from './helpers/stack.js';
import { freePort, spawnMlobs, waitReady } from './helpers/process.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, Partitioners, logLevel } from 'kafkajs';

const BROKERS = process.env.KAFKA_BROKERS;
if (!BROKERS) throw new Error('KAFKA_BROKERS is not set: run the tests with `npm test`, which starts the broker');
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

describe.each(KAFKA_DATA_CLIENTS)('the trust header on the Kafka bus with the %s client', (client) => {
  const bus = new KafkaBus({ brokers: BROKERS.split(','), clientId: 'trust-test', numPartitions: 1, publishTimeoutMs: 10_000, logger: silentLogger, dataClient: client });
  afterAll(() => bus.close());
  it('arrives with the message, so the sink trusts what was signed and validates the forged copy', async () => {
    const trust = new ProducerTrust(randomBytes(24).toString('hex'));
    const topic = `trust${client}${RUN}.predictions`;
    await bus.ensureTopics([topic]);
    // No prediction_id: only a sink that skipped validation takes it.
    const value = JSON.stringify({ model: 'm', timestamp: Date.now(), prediction: 1 });
    const forged = new ProducerTrust(randomBytes(24).toString('hex')).sign('prediction', value);
    await bus.publish(topic, [
      { key: 'm', value, headers: { [TRUST_HEADER]: trust.sign('prediction', value) } },
      { key: 'm', value, headers: { [TRUST_HEADER]: forged } },
    ]);
    const got: BusMessage[] = [];
    const c = await bus.consume({ topics: [topic], groupId: `g${client}${RUN}`, maxBatchSize: 10, maxWaitMs: 50, handler: async (b) => void got.push(...b) });
    try {
      await waitUntil(() => got.length >= 2, { timeoutMs: 30_000, what: 'both messages consumed' });
    } finally {
      await c.stop();
    }
    const d = decodeStage('prediction', got, undefined, trust);
    expect(d.events.map((e) => e.message.offset)).toEqual(['0']);
    expect(d.rejected.map((r) => [r.message.offset, r.reason])).toEqual([['1', 'schema_violation']]);
  });
});

describe.each(KAFKA_DATA_CLIENTS)('mlobs up with kafka.trustedProducerKey and the %s client', (client) => {
  it('stores what its ingest signed, and dead-letters an outside message with a forged header that fails validation', async () => {
    const key = randomBytes(24).toString('hex');
    const prefix = `trustup${client}${RUN}.`;
    const port = await freePort();
    const child = spawnMlobs(['up', '--port', String(port), '--data-dir', mkdtempSync(join(tmpdir(), 'mlobs-trust-'))], {
      KAFKA_BROKERS: BROKERS,
      MLOBS_KAFKA_TOPIC_PREFIX: prefix,
      MLOBS_KAFKA_TRUSTED_PRODUCER_KEY: key,
      MLOBS_KAFKA_CLIENT: client,
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    });
    const url = `http://127.0.0.1:${port}`;
    const sql = async (query: string) => ((await (await fetch(`${url}/v1/sql`, { method: 'POST', body: JSON.stringify({ query }) })).json()) as { data: any[] }).data;
    try {
      await waitReady(`${url}/readyz`, child);
      // A string timestamp and no model_version: the canonical form the edge signs has both resolved.
      const ts = new Date(Date.now() - 3_600_000);
      const res = await fetch(`${url}/v1/predictions`, { method: 'POST', body: JSON.stringify([{ model: 'trusted', prediction_id: 't-1', timestamp: ts.toISOString(), features: { x: 2 }, prediction: 1 }]) });
      expect(res.status).toBe(202);
      const kafka = new Kafka({ brokers: BROKERS!.split(','), logLevel: logLevel.NOTHING });
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      const bad = JSON.stringify({ model: 'trusted', timestamp: ts.getTime(), prediction: 1 });
      const forged = new ProducerTrust(randomBytes(24).toString('hex')).sign('prediction', bad);
      await producer.send({ topic: `${prefix}predictions`, messages: [{ key: 'trusted', value: bad, headers: { [TRUST_HEADER]: forged } }] });
      await producer.disconnect();
      const stored = await eventually(() => sql(`SELECT prediction_id, toUnixTimestamp64Milli(ts) AS ts, model_version, num_features FROM predictions FINAL WHERE model = 'trusted'`), (r) => r.length > 0, { timeoutMs: 30_000, what: 'the signed prediction stored' });
      expect(stored).toEqual([{ prediction_id: 't-1', ts: ts.getTime(), model_version: '', num_features: { x: 2 } }]);
      const dead = await eventually(() => sql(`SELECT reason FROM dead_letters FINAL WHERE source = 'bus:${prefix}predictions'`), (r) => r.length > 0, { timeoutMs: 30_000, what: 'the forged message as a dead letter' });
      expect(dead).toEqual([{ reason: 'schema_violation' }]);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
