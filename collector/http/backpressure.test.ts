import { describe, expect, it } from 'vitest';
import { testStack } from '../../test/helpers/stack.js';

// Its own file: one process holds one embedded data directory.
const pred = (id: string) => ({ model: 'bp-model', prediction_id: id, timestamp: Date.now() - 60_000, prediction: 1 });

describe('backpressure', () => {
  it('answers 503 with Retry-After when the bus is full, instead of buffering without bound', async () => {
    const small = await testStack({ bus: { maxBufferedMessages: 20 } });
    try {
      await small.sinks.find((k) => k.opts.kind === 'prediction')!.stop();
      const batch = Array.from({ length: 15 }, (_, i) => pred(`bp-${i}`));
      expect((await small.post('/v1/predictions', batch)).status).toBe(202);
      const res = await small.post('/v1/predictions', batch);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(((await res.json()) as any).reason).toBe('backpressure');
    } finally {
      await small.stop();
    }
  });
});
