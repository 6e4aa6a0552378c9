import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../test/helpers/eventually.js';
import { MlobsError } from '../core/errors.js';
import { silentLogger } from '../core/log.js';
import { createMetrics } from '../core/metrics.js';
import { validateConfig } from '../app/config.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { DeadLetterQueue } from '../bus/dead-letters.js';
import { openStore } from '../storage/clickhouse.js';
import { DEDUP, migrate } from '../storage/migrations.js';
import type { Store } from '../storage/store.js';
import { Sink, backoffMs } from './sink.js';

let store: Store;
beforeAll(async () => {
  store = await openStore({ database: 'sinktest', dataDir: mkdtempSync(join(tmpdir(), 'mlobs-sink-')) });
  await migrate(store, validateConfig({}).storage.retentionDays);
});
afterAll(async () => store?.close());

/** Wraps the real store so that inserts fail while `down` is set, as an unreachable server would. */
function flakyStore(inner: Store) {
  const state = { down: false, attempts: 0, poison: null as string | null };
  const store: Store = Object.create(inner);
  store.insert = async (table, rows, opts) => {
    state.attempts++;
    if (state.down) throw new MlobsError('connect ECONNREFUSED 127.0.0.1:8123', { reason: 'econnrefused', retryable: true });
    if (state.poison && rows.some((r) => JSON.stringify(r).includes(state.poison!))) {
      throw new MlobsError('Cannot parse input', { reason: 'cannot_parse_text', retryable: false });
    }
    return inner.insert(table, rows, opts);
  };
  return { store, state };
}

function setup(model: string) {
  const bus = new MemoryBus({ maxBufferedMessages: 10_000 });
  const metrics = createMetrics(new Registry());
  const flaky = flakyStore(store);
  const deadLetters = new DeadLetterQueue(bus, 'dead-letters', metrics);
  const opts = { groupId: 'g', batchMaxRows: 50, batchMaxWaitMs: 5, retryInitialMs: 5, retryMaxMs: 20 };
  const deps = { bus, store: flaky.store, deadLetters, metrics, logger: silentLogger };
  const sink = new Sink({ ...opts, kind: 'prediction', topic: 'predictions' }, deps);
  const dlSink = new Sink({ ...opts, kind: 'dead_letter', topic: 'dead-letters' }, deps);
  const ts = Date.now() - 3_600_000;
  const publish = (ids: number[]) =>
    bus.publish('predictions', ids.map((i) => ({ value: JSON.stringify({ model, prediction_id: `id-${i}`, timestamp: ts + i, prediction: i }) })));
  const count = async () => (await store.query<{ c: number }>(`SELECT count() c FROM sinktest.predictions WHERE model = {m:String}`, { m: model }))[0]!.c;
  return { bus, sink, dlSink, flaky, publish, count, metrics };
}


describe('Sink', () => {
  it('retries while storage is down, commits nothing meanwhile, and stores everything once it returns', async () => {
    const t = setup('flaky-model');
    t.flaky.state.down = true;
    await t.sink.start();
    await t.publish(Array.from({ length: 500 }, (_, i) => i));
    await waitUntil(() => t.flaky.state.attempts >= 3);
    expect(t.sink.degraded).toBe(true);
    expect(t.sink.lag()).toBe(500);
    expect(await t.count()).toBe(0);
    t.flaky.state.down = false;
    await waitUntil(() => t.sink.lag() === 0);
    expect(t.sink.degraded).toBe(false);
    expect(await t.count()).toBe(500);
    const failures = await t.metrics.sinkInsertFailures.get();
    expect(failures.values.find((v) => v.labels.reason === 'econnrefused')!.value).toBeGreaterThanOrEqual(3);
    await t.sink.stop();
  });

  it('stores the rest of a batch and dead-letters only the event the engine refuses', async () => {
    const t = setup('poison-model');
    t.flaky.state.poison = '"prediction_id":"id-13"';
    await t.sink.start();
    await t.dlSink.start();
    await t.publish(Array.from({ length: 40 }, (_, i) => i));
    await waitUntil(async () => (await t.count()) === 39);
    await waitUntil(async () => (await store.query<{ c: number }>(`SELECT count() c FROM sinktest.dead_letters WHERE payload LIKE '%poison-model%'`))[0]!.c === 1);
    const [dl] = await store.query<{ reason: string; payload: string }>(`SELECT reason, payload FROM sinktest.dead_letters WHERE payload LIKE '%poison-model%'`);
    expect(dl!.reason).toBe('rejected_by_storage');
    expect(JSON.parse(dl!.payload).prediction_id).toBe('id-13');
    await t.sink.stop();
    await t.dlSink.stop();
  });

  it('turns undecodable messages into dead letters without stopping', async () => {
    const t = setup('junk-model');
    await t.sink.start();
    await t.dlSink.start();
    await t.bus.publish('predictions', [{ value: Buffer.from([0xff, 0xfe]) }, { value: '{"model":"junk-model"' }, { value: '[]' }]);
    await t.publish([1, 2]);
    await waitUntil(async () => (await t.count()) === 2);
    await waitUntil(() => t.dlSink.lag() === 0 && t.sink.lag() === 0);
    const reasons = await store.query<{ reason: string }>(`SELECT reason FROM sinktest.dead_letters WHERE source = 'bus:predictions' AND reason != 'rejected_by_storage' ORDER BY reason`);
    expect(reasons.map((r) => r.reason)).toEqual(['invalid_json', 'invalid_utf8', 'schema_violation']);
    await t.sink.stop();
    await t.dlSink.stop();
  });
});

describe('in-process shortcut', () => {
  it('stores an event the in-process producer already validated without decoding it again', async () => {
    const t = setup('validated-model');
    await t.sink.start();
    const event = { model: 'validated-model', prediction_id: 'v-1', timestamp: Date.now() - 1000, model_version: '', features: { a: 1 }, prediction: 1, status: 'ok', segments: {} };
    // The bytes are deliberately not JSON: only the validated object can have produced the row.
    await t.bus.publish('predictions', [{ value: 'not json', validated: event }]);
    await waitUntil(async () => (await t.count()) === 1);
    await t.sink.stop();
  });
});

describe('backoffMs', () => {
  it('grows exponentially with full jitter and never exceeds the cap', () => {
    expect(backoffMs(1, 100, 10_000, () => 1)).toBe(100);
    expect(backoffMs(4, 100, 10_000, () => 1)).toBe(800);
    expect(backoffMs(30, 100, 10_000, () => 1)).toBe(10_000);
    expect(backoffMs(30, 100, 10_000, () => 0)).toBe(50);
  });
});

describe('insert deduplication', () => {
  it('stores a batch inserted three times with the same token once', async () => {
    // A plain MergeTree: a ReplacingMergeTree's background merges would collapse repeats by themselves
    // and hide whether the token did the work.
    await store.command(`CREATE TABLE sinktest.dedup_probe (id String) ENGINE = MergeTree ORDER BY id SETTINGS ${DEDUP}`);
    const count = async () => (await store.query<{ c: number }>(`SELECT count() c FROM sinktest.dedup_probe`))[0]!.c;
    for (let i = 0; i < 3; i++) await store.insert('dedup_probe', [{ id: 'a' }], { dedupToken: 'tok-dedup-1' });
    expect(await count()).toBe(1);
    await store.insert('dedup_probe', [{ id: 'a' }], { dedupToken: 'tok-dedup-2' });
    expect(await count()).toBe(2);
    // The token must not leak into later inserts (the embedded engine keeps SET settings per session):
    // if it did, these different batches would be dropped as repeats of the last one.
    await store.insert('dedup_probe', [{ id: 'b' }]);
    await store.insert('dedup_probe', [{ id: 'c' }]);
    expect(await count()).toBe(4);
  });

  it('re-running migrations changes nothing', async () => {
    expect(await migrate(store, validateConfig({}).storage.retentionDays)).toEqual([]);
  });
});
