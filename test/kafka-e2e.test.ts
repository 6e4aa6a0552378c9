// The whole collection path on the real Kafka broker (started by the test command): mlobs runs as
// a child process, exactly as `mlobs up` with KAFKA_BROKERS, and is killed with SIGKILL mid-stream.
// Once per Kafka client of the data path (kafka.client), each with its own topics, group and storage.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { eventually } from './helpers/stack.js';
import { freePort, spawnMlobs, waitReady } from './helpers/process.js';
import { KAFKA_DATA_CLIENTS } from '../bus/kafka-bus.js';

const BROKERS = process.env.KAFKA_BROKERS;
if (!BROKERS) throw new Error('KAFKA_BROKERS is not set: run the tests with `npm test`, which starts the broker');

const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const T0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000;
const prediction = (i: number, model = 'kafka-model') => ({ model, prediction_id: `p-${i}`, timestamp: T0 + i, features: { x: i % 97, c: `c${i % 5}` }, prediction: i % 2 });

describe.each(KAFKA_DATA_CLIENTS)('mlobs up with KAFKA_BROKERS and the %s client', (client) => {
  const PREFIX = `e2e${client}${RUN}.`;
  const dataDir = mkdtempSync(join(tmpdir(), 'mlobs-e2e-'));
  const configFile = join(dataDir, '..', `mlobs-e2e-${client}-${RUN}.yaml`);
  // Small batches so that a kill lands between inserts and commits.
  writeFileSync(configFile, `kafka:\n  client: ${client}\n  groupId: sink-${client}-${RUN}\n  numPartitions: 3\nsink:\n  batchMaxRows: 400\n  batchMaxWaitMs: 50ms\n`);

  let port: number;
  let child: ReturnType<typeof spawnMlobs> | null = null;
  const url = () => `http://127.0.0.1:${port}`;

  async function startMlobs() {
    child = spawnMlobs(['up', '--config', configFile, '--port', String(port), '--data-dir', dataDir], {
      KAFKA_BROKERS: BROKERS!,
      MLOBS_KAFKA_TOPIC_PREFIX: PREFIX,
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    });
    await waitReady(`${url()}/readyz`, child);
  }

  async function sql(query: string): Promise<any[]> {
    const res = await fetch(`${url()}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    const body = (await res.json()) as any;
    if (!res.ok) throw new Error(body.error);
    return body.data;
  }

  beforeAll(async () => {
    port = await freePort();
    await startMlobs();
  });
  afterAll(async () => {
    child?.kill('SIGTERM');
  });

  it('moves predictions posted over HTTP through Kafka into storage', async () => {
    const res = await fetch(`${url()}/v1/predictions`, { method: 'POST', body: JSON.stringify([0, 1, 2].map((i) => prediction(i, 'http-model'))) });
    expect(res.status).toBe(202);
    const rows = await eventually(() => sql(`SELECT count() c FROM predictions FINAL WHERE model = 'http-model'`), (r) => r[0].c === 3);
    expect(rows).toEqual([{ c: 3 }]);
  });

  it('stores JSON that an external producer (kcat) writes to the topic, and dead-letters what is malformed', async () => {
    const lines = [JSON.stringify(prediction(1, 'kcat-model')), '{"model": "kcat-model", "oops"', JSON.stringify({ ...prediction(2, 'kcat-model'), score: 'NaN' })];
    execFileSync('kcat', ['-b', BROKERS!, '-P', '-t', `${PREFIX}predictions`], { input: lines.join('\n') + '\n' });
    // The one valid line is stored exactly as kcat produced it (eventually fails the test on timeout).
    const stored = await eventually(
      () => sql(`SELECT prediction_id, toUnixTimestamp64Milli(ts) AS ts, num_features, cat_features, prediction_num FROM predictions FINAL WHERE model = 'kcat-model'`),
      (r) => r.length > 0,
      { timeoutMs: 30_000, what: 'the prediction kcat produced' },
    );
    expect(stored).toEqual([{ prediction_id: 'p-1', ts: T0 + 1, num_features: { x: 1 }, cat_features: { c: 'c1' }, prediction_num: 1 }]);
    const dead = await eventually(
      () => sql(`SELECT reason, source FROM dead_letters FINAL WHERE source = 'bus:${PREFIX}predictions' ORDER BY reason`),
      (r) => r.length >= 2,
      { timeoutMs: 30_000, what: 'the two malformed kcat lines as dead letters' },
    );
    expect(dead).toEqual([
      { reason: 'invalid_json', source: `bus:${PREFIX}predictions` },
      { reason: 'schema_violation', source: `bus:${PREFIX}predictions` },
    ]);
  });

  it('loses nothing and duplicates nothing when the consumer is killed mid-stream and restarted', async () => {
    const N = 30_000;
    const kafka = new Kafka({ clientId: `e2e-${RUN}`, brokers: BROKERS!.split(','), logLevel: logLevel.ERROR });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (let i = 0; i < N; i += 5000) {
      await producer.send({ topic: `${PREFIX}predictions`, messages: Array.from({ length: 5000 }, (_, k) => ({ key: String(i + k), value: JSON.stringify(prediction(i + k, 'kill-model')) })) });
    }
    await producer.disconnect();

    const partial = await eventually(() => sql(`SELECT count() c FROM predictions WHERE model = 'kill-model'`), (r) => r[0].c > 0, 30_000);
    child!.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    expect(partial[0].c).toBeLessThan(N);

    await startMlobs();
    const done = await eventually(() => sql(`SELECT count() c FROM predictions FINAL WHERE model = 'kill-model'`), (r) => r[0].c >= N, 90_000);
    expect(done).toEqual([{ c: N }]);
    const ids = await sql(`SELECT uniqExact(prediction_id) u, min(toUInt32(substring(prediction_id, 3))) lo, max(toUInt32(substring(prediction_id, 3))) hi FROM predictions FINAL WHERE model = 'kill-model'`);
    expect(ids).toEqual([{ u: N, lo: 0, hi: N - 1 }]);
  }, 180_000);
});
