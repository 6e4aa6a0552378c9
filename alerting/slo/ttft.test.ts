import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../../test/helpers/stack.js';
import { alertingConfigSchema } from '../config.js';
import { SloEventCounters } from '../export/counters.js';
import { countWindows } from './sli.js';

// Its own file: one process holds one embedded data directory.
const NOW = Date.now();
const H = 3_600_000;
const at = (i: number) => NOW - H + i * 1000;
// 10 streamed answers (3 slower than 200 ms to the first token, one of them an error), 4 answers
// with no TTFT at all (non-streaming), 2 no_response: a ttft SLO counts 10, 3 bad.
const PREDS = [
  ...Array.from({ length: 10 }, (_, i) => ({ model: 'llm', prediction_id: `s-${i}`, timestamp: at(i), prediction: 'stop', latency_ms: 900, ttft_ms: i < 3 ? 350 : 80, ...(i === 0 ? { status: 'error' } : {}) })),
  ...Array.from({ length: 4 }, (_, i) => ({ model: 'llm', prediction_id: `n-${i}`, timestamp: at(20 + i), prediction: 'stop', latency_ms: 1500 })),
  ...Array.from({ length: 2 }, (_, i) => ({ model: 'llm', prediction_id: `nr-${i}`, timestamp: at(30 + i), prediction: null, status: 'no_response', ttft_ms: 999 })),
];
const { slos } = alertingConfigSchema.parse({
  slos: [
    { name: 'llm-ttft', sli: { type: 'ttft', model: 'llm', thresholdMs: 200 }, objective: 0.9 },
    { name: 'llm-ttft-loose', sli: { type: 'ttft', model: 'llm', thresholdMs: 400 }, objective: 0.9 },
    { name: 'llm-latency', sli: { type: 'latency', model: 'llm', thresholdMs: 1000 }, objective: 0.9 },
  ],
});

let s: Awaited<ReturnType<typeof testStack>>;
const registry = new Registry();
let counters: SloEventCounters;
beforeAll(async () => {
  s = await testStack({ alerting: { enabled: false } });
  counters = new SloEventCounters(s.store, registry, slos, 0);
  // The first call only places the cursor: events received after it are counted by the next.
  await counters.update(Date.now() - 1);
  const res = await s.post('/v1/predictions', PREDS);
  expect(res.status, await res.clone().text()).toBe(202);
  await s.drain();
});
afterAll(async () => s?.stop());

describe('the ttft SLI', () => {
  it('counts predictions slower than the threshold to the first token as bad, and those without a TTFT as neither', async () => {
    const counts = await countWindows(s.store, slos, [2 * H, H / 2], NOW, () => 0);
    expect(counts.get('llm-ttft')).toEqual([
      { windowMs: 2 * H, total: 10, bad: 3 },
      { windowMs: H / 2, total: 0, bad: 0 },
    ]);
    expect(counts.get('llm-ttft-loose')).toEqual([
      { windowMs: 2 * H, total: 10, bad: 0 },
      { windowMs: H / 2, total: 0, bad: 0 },
    ]);
    // The latency SLI of the same rows still counts every timed prediction.
    expect(counts.get('llm-latency')![0]).toEqual({ windowMs: 2 * H, total: 14, bad: 4 });
  });

  it('feeds the exported good/bad counters with the same counts', async () => {
    await counters.update(Date.now() + 1000);
    const values = (await registry.getSingleMetric('mlobs_slo_events_total')!.get()).values;
    const of = (slo: string, outcome: string) => values.find((v) => v.labels.slo === slo && v.labels.outcome === outcome)?.value;
    expect([of('llm-ttft', 'good'), of('llm-ttft', 'bad')]).toEqual([7, 3]);
    expect([of('llm-ttft-loose', 'good'), of('llm-ttft-loose', 'bad')]).toEqual([10, 0]);
    expect([of('llm-latency', 'good'), of('llm-latency', 'bad')]).toEqual([10, 4]);
  });

  it('refuses a ttft SLI without a positive threshold, naming the key', () => {
    const r = alertingConfigSchema.safeParse({ slos: [{ name: 'x', sli: { type: 'ttft', model: 'llm', thresholdMs: 0 }, objective: 0.9 }] });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues.map((i) => i.path.join('.')))).toContain('slos.0.sli.thresholdMs');
  });
});
