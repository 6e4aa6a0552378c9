import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../../test/helpers/stack.js';
import { alertingConfigSchema } from '../config.js';
import { countWindows } from './sli.js';

// Its own file: one process holds one embedded data directory.
const NOW = Date.now();
const H = 3_600_000;
let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  s = await testStack({ alerting: { enabled: false } });
  const at = (i: number) => NOW - H + i * 1000;
  const preds = [
    ...Array.from({ length: 10 }, (_, i) => ({ model: 'nr', prediction_id: `ok-${i}`, timestamp: at(i), prediction: 1, latency_ms: i < 2 ? 500 : 10 })),
    ...Array.from({ length: 2 }, (_, i) => ({ model: 'nr', prediction_id: `err-${i}`, timestamp: at(20 + i), prediction: null, status: 'error', latency_ms: 10 })),
    // A request whose response never came: nothing is known about the answer or its time. One
    // carries a latency (a producer may send one) and is still left out of the latency SLI.
    ...Array.from({ length: 5 }, (_, i) => ({ model: 'nr', prediction_id: `nr-${i}`, timestamp: at(30 + i), prediction: null, status: 'no_response', ...(i === 0 ? { latency_ms: 900 } : {}) })),
  ];
  const res = await s.post('/v1/predictions', preds);
  expect(res.status, await res.clone().text()).toBe(202);
  expect(((await res.json()) as any).accepted).toBe(17);
  await s.drain();
});
afterAll(async () => s?.stop());

describe('SLIs and the no_response status', () => {
  it('counts a no_response prediction as neither good nor bad in availability and latency', async () => {
    const { slos } = alertingConfigSchema.parse({
      slos: [
        { name: 'nr-availability', sli: { type: 'availability', model: 'nr' }, objective: 0.99 },
        { name: 'nr-latency', sli: { type: 'latency', model: 'nr', thresholdMs: 100 }, objective: 0.99 },
      ],
    });
    const counts = await countWindows(s.store, slos, [2 * H], NOW, () => 0);
    expect(counts.get('nr-availability')).toEqual([{ windowMs: 2 * H, total: 12, bad: 2 }]);
    expect(counts.get('nr-latency')).toEqual([{ windowMs: 2 * H, total: 12, bad: 2 }]);
  });

  it('refuses a prediction without output unless its status says there was none', async () => {
    const res = await s.post('/v1/predictions', [{ model: 'nr', prediction_id: 'x', timestamp: NOW, prediction: null }]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).rejected[0].error).toMatch(/prediction may be null only when status is error or no_response/);
  });
});
