import { describe, expect, it } from 'vitest';
import { waitUntil } from '../test/helpers/eventually.js';
import { BackpressureError } from '../core/errors.js';
import { MemoryBus } from './memory-bus.js';
import type { BusMessage } from './bus.js';


describe('MemoryBus', () => {
  it('delivers in batches of at most maxBatchSize and commits after each handled batch', async () => {
    const bus = new MemoryBus({ maxBufferedMessages: 1000 });
    const batches: BusMessage[][] = [];
    const c = await bus.consume({ topics: ['t'], groupId: 'g', maxBatchSize: 10, maxWaitMs: 5, handler: async (b) => void batches.push(b) });
    await bus.publish('t', Array.from({ length: 25 }, (_, i) => ({ value: String(i) })));
    await waitUntil(() => c.lag() === 0);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batches.flat().map((m) => m.value.toString())).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
    await c.stop();
  });

  it('redelivers a batch whose handler failed, and nothing after it first', async () => {
    const bus = new MemoryBus({ maxBufferedMessages: 1000 });
    const seen: string[] = [];
    let failures = 2;
    const c = await bus.consume({
      topics: ['t'], groupId: 'g', maxBatchSize: 100, maxWaitMs: 1,
      handler: async (b) => {
        if (failures-- > 0) throw new Error('storage down');
        seen.push(...b.map((m) => m.value.toString()));
      },
      onHandlerError: () => 1,
    });
    await bus.publish('t', [{ value: 'a' }, { value: 'b' }]);
    await waitUntil(() => c.lag() === 0);
    expect(seen).toEqual(['a', 'b']);
    await c.stop();
  });

  it('refuses to publish beyond its bound with a BackpressureError, and accepts again once consumed', async () => {
    const bus = new MemoryBus({ maxBufferedMessages: 5 });
    await bus.ensureTopics(['t']);
    await bus.publish('t', Array.from({ length: 5 }, () => ({ value: 'x' })));
    await expect(bus.publish('t', [{ value: 'y' }])).rejects.toBeInstanceOf(BackpressureError);
    const c = await bus.consume({ topics: ['t'], groupId: 'g', maxBatchSize: 10, maxWaitMs: 1, handler: async () => {} });
    await waitUntil(() => c.lag() === 0);
    await expect(bus.publish('t', [{ value: 'y' }])).resolves.toBeUndefined();
    await c.stop();
  });

  it('refuses a batch larger than its whole capacity as too large rather than as a temporary condition', async () => {
    const bus = new MemoryBus({ maxBufferedMessages: 3 });
    await expect(bus.publish('t', Array.from({ length: 4 }, () => ({ value: 'x' })))).rejects.toMatchObject({ reason: 'body_too_large', retryable: false });
  });

  it('keeps independent offsets per consumer group', async () => {
    const bus = new MemoryBus({ maxBufferedMessages: 100 });
    const a: string[] = [];
    const b: string[] = [];
    const ca = await bus.consume({ topics: ['t'], groupId: 'a', maxBatchSize: 10, maxWaitMs: 1, handler: async (m) => void a.push(...m.map((x) => x.value.toString())) });
    const cb = await bus.consume({ topics: ['t'], groupId: 'b', maxBatchSize: 10, maxWaitMs: 1, handler: async (m) => void b.push(...m.map((x) => x.value.toString())) });
    await bus.publish('t', [{ value: '1' }, { value: '2' }]);
    await waitUntil(() => ca.lag() === 0 && cb.lag() === 0);
    expect(a).toEqual(['1', '2']);
    expect(b).toEqual(['1', '2']);
    await ca.stop();
    await cb.stop();
  });
});
