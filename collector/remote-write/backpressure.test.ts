import { describe, expect, it } from 'vitest';
import { testStack } from '../../test/helpers/stack.js';
import { encodeWriteRequest } from './decode.js';

// Its own file: one process holds one embedded data directory.
describe('remote write under backpressure', () => {
  it('answers 503 with Retry-After (which Prometheus retries) when the bus is full', async () => {
    const small = await testStack({ bus: { maxBufferedMessages: 20 } });
    try {
      const sink = small.sinks.find((k) => k.opts.kind === 'gpu_sample')!;
      await sink.stop();
      const t = Date.now() - 60_000;
      const body = encodeWriteRequest({ timeseries: Array.from({ length: 15 }, (_, i) => ({
        labels: [{ name: '__name__', value: 'DCGM_FI_DEV_GPU_UTIL' }, { name: 'gpu', value: String(i) }, { name: 'UUID', value: `GPU-bp-${i}` }, { name: 'Hostname', value: 'bp-node' }],
        samples: [{ value: i, timestamp: t }],
      })) });
      const headers = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' };
      expect((await small.post('/api/v1/write', body, headers)).status).toBe(204);
      const res = await small.post('/api/v1/write', body, headers);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(((await res.json()) as any).reason).toBe('backpressure');
    } finally {
      await small.stop();
    }
  });
});
