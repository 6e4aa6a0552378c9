import { describe, expect, it } from 'vitest';
import { gpuShare } from './mig.js';
import { podMapper } from './mapping.js';
import { priceAt, priceCuts, priceRows } from './prices.js';
import { integrateUsage, type GpuReading } from './usage.js';
import { buildReport, CostDataError } from './report.js';
import type { CostQuery } from './query.js';
import { validateCostConfig } from './service.js';

const H100 = 'NVIDIA H100 80GB HBM3';
const S = 1000;
const at = (tsMs: number, value: number | null, extra: Partial<GpuReading> = {}): GpuReading => ({
  tsMs,
  metric: 'DCGM_FI_DEV_GPU_UTIL',
  value,
  hostname: 'n1',
  uuid: 'GPU-1',
  gpuIId: '',
  gpuIProfile: '',
  modelName: H100,
  namespace: 'ns',
  pod: 'p',
  ...extra,
});
const prices = priceRows({ prices: [{ gpuModel: H100, perHour: 3.6 }] });
const opts = { fromMs: 0, toMs: 600 * S, maxIntervalMs: 60 * S, idleThreshold: 0.05, prices };
const observed = (rows: ReturnType<typeof integrateUsage>) => rows.reduce((a, r) => a + r.observedMs, 0);

describe('integrateUsage', () => {
  it('lets each sample account for the time to the next sample of the same GPU', () => {
    const rows = integrateUsage([at(0, 50), at(15 * S, 50), at(45 * S, 50)], { ...opts, toMs: 60 * S });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ observedMs: 60 * S, gpuHours: 60 / 3600, busyGpuHours: 30 / 3600, cost: 0.06, busyCost: 0.03 });
  });

  it('caps a sample at the maximum interval, so a scrape gap is not billed', () => {
    expect(observed(integrateUsage([at(0, 50), at(300 * S, 50)], { ...opts, toMs: 310 * S }))).toBe(70 * S);
  });

  it('clips intervals to the window, counting the sample just before it for the part inside', () => {
    expect(observed(integrateUsage([at(-30 * S, 50), at(30 * S, 50), at(70 * S, 50)], { ...opts, fromMs: 0, toMs: 60 * S }))).toBe(60 * S);
  });

  it('splits a GPU that moves to another pod at the sample where the pod changes', () => {
    const rows = integrateUsage([at(0, 50), at(20 * S, 50), at(40 * S, 10, { pod: 'q' }), at(60 * S, 10, { pod: 'q' })], { ...opts, toMs: 80 * S });
    expect(rows.map((r) => [r.pod, r.observedMs])).toEqual([['p', 40 * S], ['q', 40 * S]]);
  });

  it('splits an interval that crosses a price change', () => {
    const changing = priceRows({ prices: [{ gpuModel: H100, perHour: 3.6, to: 30 * S }, { gpuModel: H100, perHour: 7.2, from: 30 * S }] });
    const rows = integrateUsage([at(0, 50), at(60 * S, 50)], { ...opts, toMs: 60 * S, prices: changing });
    expect(rows.map((r) => [r.segmentFromMs, r.observedMs, r.cost])).toEqual([[0, 30 * S, 0.03], [30 * S, 30 * S, 0.06]]);
  });

  it('prefers GR_ENGINE_ACTIVE to GPU_UTIL, and ignores blank readings and other fields', () => {
    const rows = integrateUsage(
      [at(0, 90), at(0, 0.25, { metric: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE' }), at(60 * S, null), at(60 * S, 5000, { metric: 'DCGM_FI_DEV_FB_USED' })],
      { ...opts, toMs: 120 * S },
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.observedMs).toBe(60 * S);
    expect(rows[0]!.busyGpuHours! * 3600).toBeCloseTo(15);
  });

  it('counts allocated time below the threshold as idle, and unallocated time never', () => {
    const rows = integrateUsage([at(0, 1), at(0, 1, { uuid: 'GPU-2', pod: '', namespace: '' })], { ...opts, toMs: 60 * S });
    expect(rows.map((r) => [r.uuid, r.idleGpuHours])).toEqual([['GPU-1', 60 / 3600], ['GPU-2', 0]]);
  });

  it('prices a MIG slice as its share of the physical GPU', () => {
    const [row] = integrateUsage([at(0, 50, { gpuIProfile: '2g.20gb', gpuIId: '3' })], { ...opts, toMs: 60 * S });
    expect(row).toMatchObject({ gpuShare: 2 / 7, gpuHours: 2 / 7 / 60 });
    expect(row!.cost).toBeCloseTo((3.6 * 2) / 7 / 60, 12);
  });
});

describe('rules', () => {
  it.each([
    ['', H100, 1],
    ['3g.40gb', 'NVIDIA A100-SXM4-80GB', 3 / 7],
    ['1g.10gb+me', H100, 1 / 7],
    ['2g.12gb', 'NVIDIA A30', 2 / 4],
    ['nonsense', H100, null],
    ['9g.99gb', H100, null],
  ])('a MIG profile %j on %s is %s of the GPU', (profile, model, share) => expect(gpuShare(profile, model)).toBe(share));

  it('takes a GPU model its own price in its range, else the default, else none', () => {
    const rows = priceRows({ prices: [{ gpuModel: 'X', perHour: 2, from: 100, to: 200 }], defaultPerHour: 1 });
    expect([priceAt(rows, 'X', 150), priceAt(rows, 'X', 200), priceAt(rows, 'Y', 150)]).toEqual([2, 1, 1]);
    expect(priceAt(priceRows({ prices: [] }), 'X', 0)).toBeNull();
    expect(priceCuts(rows, 0, 1000)).toEqual([0, 100, 200, 1000]);
  });

  it('maps pods to teams by rule before namespace, and to models by deployment or pattern', () => {
    const m = podMapper(validateCostConfig({
      teams: { byNamespace: { ml: 'ml-platform' }, rules: [{ team: 'research', pod: '^notebook-' }] },
      models: [{ model: 'fraud', deployment: 'fraud-detector' }, { model: 'eta', namespace: 'eta', pod: '^eta-' }],
    }));
    expect([m.team('ml', 'notebook-1'), m.team('ml', 'server-1'), m.team('other', 'x')]).toEqual(['research', 'ml-platform', null]);
    expect([m.model('ml', 'fraud-detector-7d4b9c-x2k8p'), m.model('ml', 'fraud-detector-v2-7d4b9c-x2k8p'), m.model('eta', 'eta-1'), m.model('x', 'eta-1')]).toEqual(['fraud', null, 'eta', null]);
  });
});

describe('buildReport', () => {
  const base = { mapper: podMapper(validateCostConfig({})), currency: 'USD', idleThreshold: 0.05, maxIntervalMs: 60 * S, previous: [] };
  const query: CostQuery = { by: 'team', fromMs: 0, toMs: 600 * S, endMs: 600 * S, previousFromMs: -600 * S };

  it('refuses to price usage of an unpriced GPU model as zero, listing the model with its GPU-hours', () => {
    const current = integrateUsage([at(0, 50), at(0, 50, { uuid: 'GPU-9', modelName: 'Mystery GPU' })], { ...opts, prices: priceRows({ prices: [] }) });
    const err = (() => {
      try {
        buildReport({ ...base, query, current });
      } catch (e) {
        return e as CostDataError;
      }
    })();
    expect(err).toBeInstanceOf(CostDataError);
    expect(err!.details.missingPrices).toEqual([{ gpuModel: H100, gpuHours: 0.0167 }, { gpuModel: 'Mystery GPU', gpuHours: 0.0167 }]);
    expect(err!.message).toMatch(/no price for GPU model "NVIDIA H100 80GB HBM3" \(0.0167 GPU-hours\); no price for GPU model "Mystery GPU"/);
  });

  it('refuses a MIG profile whose share of the GPU it cannot read', () => {
    const current = integrateUsage([at(0, 50, { gpuIProfile: 'weird', gpuIId: '1' })], opts);
    expect(() => buildReport({ ...base, query, current })).toThrow(/unknown MIG profile "weird" on "NVIDIA H100 80GB HBM3" \(0.0167 instance-hours\)/);
  });

  it('measures efficiency on allocated time only, and average utilisation on all observed time', () => {
    const current = integrateUsage([at(0, 50), at(0, 100, { uuid: 'GPU-2', pod: '', namespace: '' })], opts);
    expect(buildReport({ ...base, query, current }).total).toMatchObject({ efficiency: 0.5, avgUtilisation: 0.75 });
  });

  it('reports an empty window as zeros with one unobserved list', () => {
    const r = buildReport({ ...base, query, current: [] });
    expect(r.groups).toEqual([]);
    expect(r.total).toMatchObject({ gpuHours: 0, cost: 0, avgUtilisation: null, efficiency: null });
    expect(r.unobserved).toEqual({ gpuHours: 0, fraction: null, gpus: [] });
  });
});
