// A fleet with a GPU model nobody priced: the report must refuse, naming the model and its GPU-hours.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../test/helpers/stack.js';
import { cost } from './cli.js';
import { FLEET_COST_CONFIG, H100, fleetReadings, toExposition } from './testdata/fleet.js';
import { FIXTURE_RETENTION } from './testdata/fleet.js';

let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  s = await testStack({ storage: { retentionDays: FIXTURE_RETENTION }, cost: { ...FLEET_COST_CONFIG, prices: FLEET_COST_CONFIG.prices!.filter((p) => p.gpuModel === H100) } });
  expect((await s.post('/v1/gpu/metrics', toExposition(fleetReadings()), { 'content-type': 'text/plain' })).status).toBe(202);
  await s.drain();
});
afterAll(async () => s?.stop());

describe('a GPU model without a price', () => {
  it('makes GET /v1/cost answer 422 listing the model with the GPU-hours it affects, instead of pricing it at zero', async () => {
    const res = await fetch(`${s.url}/v1/cost?by=team&from=2026-11-20T00:00:00Z&to=2026-11-20T04:00:00Z`);
    expect(res.status).toBe(422);
    const body = (await res.json()) as any;
    // GPU-D's two MIG instances: 4 h x 3/7 + 4 h x 1/7.
    expect(body.missingPrices).toEqual([{ gpuModel: 'NVIDIA A100-SXM4-80GB', gpuHours: 2.2857 }]);
    expect(body.error).toMatch(/no price for GPU model "NVIDIA A100-SXM4-80GB" \(2\.2857 GPU-hours\).*cost\.prices.*cost\.defaultPerHour/);
  });

  it('marks only the comparison unavailable when just the previous period is unpriced', async () => {
    // The previous period of [05:00, 09:00) holds the A100's samples; nothing reaches past 04:01.
    const res = await fetch(`${s.url}/v1/cost?by=team&from=2026-11-20T05:00:00Z&to=2026-11-20T09:00:00Z`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.total.cost).toBe(0);
    expect(body.previous.total).toBeNull();
    expect(body.previous.unavailable).toMatch(/NVIDIA A100-SXM4-80GB/);
  });

  it('makes mlobs cost fail with the same message', async () => {
    await expect(cost(['--url', s.url, '--from', '2026-11-20', '--to', '2026-11-20T04:00:00Z'], () => {})).rejects.toThrow(/no price for GPU model "NVIDIA A100-SXM4-80GB"/);
  });
});
