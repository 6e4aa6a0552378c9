import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testStack } from '../../test/helpers/stack.js';

// Its own file: one process holds one embedded data directory.
const [post] = JSON.parse(readFileSync(new URL('./testdata/lost-response.json', import.meta.url), 'utf8')).events as { headers: Record<string, string>; body: unknown }[];

describe('KServe logger under backpressure', () => {
  it('answers 503 at once when the bus is full and counts the half in mlobs_kserve_dropped_total', async () => {
    const s = await testStack({ bus: { maxBufferedMessages: 3 } });
    try {
      await s.sinks.find((k) => k.opts.kind === 'kserve_event')!.stop();
      const send = (i: number) =>
        fetch(`${s.url}/v1/kserve`, { method: 'POST', headers: { ...post!.headers, 'Ce-Id': `bp-${i}`, 'Ce-Time': new Date(Date.now() - 60_000).toISOString() }, body: JSON.stringify(post!.body) });
      for (let i = 0; i < 3; i++) expect((await send(i)).status).toBe(200);
      const res = await send(3);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(((await res.json()) as any).reason).toBe('backpressure');
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metrics).toMatch(/^mlobs_kserve_dropped_total\{reason="backpressure"\} 1$/m);
    } finally {
      await s.stop();
    }
  });
});
