// The production path (ClickHouse views) against the reference integration, on random fleets stored
// straight into gpu_samples; and the migration's backfill of samples stored before it ran.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../app/config.js';
import { openStore } from '../storage/clickhouse.js';
import { MIGRATIONS, migrate } from '../storage/migrations.js';
import type { Store } from '../storage/store.js';
import { priceRows, type PriceRow } from './prices.js';
import { COST_MIGRATIONS } from './migrations.js';
import { queryUsage, syncPrices } from './store.js';
import { integrateUsage, type GpuReading, type UsageRow } from './usage.js';

const retention = validateConfig({}).storage.retentionDays;
const H100 = 'NVIDIA H100 80GB HBM3';
const A100 = 'NVIDIA A100-SXM4-80GB';
// Recent enough for the tables' TTL.
const T = Math.floor((Date.now() - 3 * 86_400_000) / 1000) * 1000;

let store: Store;
beforeAll(async () => {
  store = await openStore({ database: 'mlobs', dataDir: mkdtempSync(join(tmpdir(), 'mlobs-cost-sql-')) });
  await migrate(store, retention, MIGRATIONS);
});
afterAll(async () => store?.close());

const toRow = (r: GpuReading) => ({
  ts: (r.tsMs / 1000).toFixed(3),
  metric: r.metric,
  metric_type: 'gauge',
  value: r.value,
  hostname: r.hostname,
  uuid: r.uuid,
  gpu_i_id: r.gpuIId,
  gpu_i_profile: r.gpuIProfile,
  model_name: r.modelName,
  namespace: r.namespace,
  pod: r.pod,
  source: 'test',
});

/** A deterministic pseudo-random fleet: irregular scrapes with gaps, pod moves, both utilisation fields, blanks and resent rows. */
function randomFleet(seed: number): GpuReading[] {
  let x = seed;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const units = [
    { hostname: 'n1', uuid: `GPU-${seed}-a`, gpuIId: '', gpuIProfile: '', modelName: H100 },
    { hostname: 'n1', uuid: `GPU-${seed}-b`, gpuIId: '', gpuIProfile: '', modelName: 'Unpriced GPU' },
    { hostname: 'n2', uuid: `GPU-${seed}-c`, gpuIId: '4', gpuIProfile: '2g.20gb', modelName: A100 },
  ];
  const pods = [{ namespace: '', pod: '' }, { namespace: 'a', pod: 'a-1' }, { namespace: 'b', pod: 'b-7f-x' }];
  const out: GpuReading[] = [];
  for (const u of units) {
    let t = T + Math.floor(rand() * 30_000);
    let alloc = pods[0]!;
    for (let i = 0; i < 400; i++) {
      if (rand() < 0.03) alloc = pods[Math.floor(rand() * pods.length)]!;
      const base = { ...u, ...alloc, tsMs: t };
      if (rand() < 0.6) out.push({ ...base, metric: 'DCGM_FI_DEV_GPU_UTIL', value: rand() < 0.05 ? null : Math.floor(rand() * 101) });
      if (rand() < 0.5) out.push({ ...base, metric: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', value: rand() < 0.3 ? rand() * 0.04 : rand() });
      if (rand() < 0.1) out.push({ ...base, metric: 'DCGM_FI_DEV_POWER_USAGE', value: 300 });
      if (rand() < 0.05) out.push(...out.slice(-2));
      t += rand() < 0.05 ? Math.floor(rand() * 600_000) : 5_000 + Math.floor(rand() * 25_000);
    }
  }
  return out;
}

const key = (r: UsageRow) => JSON.stringify([r.uuid, r.gpuIId, r.namespace, r.pod, r.modelName, r.segmentFromMs]);
function expectSameUsage(sql: UsageRow[], reference: UsageRow[]) {
  const bySql = new Map(sql.map((r) => [key(r), r]));
  expect([...bySql.keys()].sort()).toEqual(reference.map(key).sort());
  for (const ref of reference) {
    const got = bySql.get(key(ref))!;
    expect(got.observedMs).toBe(ref.observedMs);
    expect(got.segmentToMs).toBe(ref.segmentToMs);
    expect([got.gpuShare, got.perHour]).toEqual([ref.gpuShare, ref.perHour]);
    for (const c of ['gpuHours', 'busyGpuHours', 'idleGpuHours', 'cost', 'busyCost', 'idleCost'] as const) {
      if (ref[c] === null) expect(got[c]).toBeNull();
      else expect(got[c]).toBeCloseTo(ref[c]!, 9);
    }
  }
}

describe('the cost_gpu_usage view', () => {
  it('backfills samples stored before the cost migration ran', async () => {
    const early = randomFleet(7);
    await store.insert('gpu_samples', early.map(toRow));
    await migrate(store, retention, [...MIGRATIONS, ...COST_MIGRATIONS]);
    const [{ n }] = await store.query<{ n: string }>(`SELECT count() AS n FROM (SELECT * FROM mlobs.cost_gpu_util FINAL WHERE gpu_key IN (SELECT gpu_key FROM mlobs.cost_gpu_allocations WHERE uuid LIKE 'GPU-7-%'))`) as [{ n: string }];
    const instants = new Set(early.filter((r) => r.metric !== 'DCGM_FI_DEV_POWER_USAGE' && r.value !== null).map((r) => `${r.uuid}/${r.tsMs}`));
    expect(Number(n)).toBe(instants.size);
  });

  it.each([1, 2, 3])('agrees with the reference integration on random fleet %i, split at price changes, with the previous period', async (seed) => {
    const readings = randomFleet(seed * 1000 + 1);
    // Inserted in pieces, as sinks do, so that one instant's fields may land in different parts.
    for (let i = 0; i < readings.length; i += 337) await store.insert('gpu_samples', readings.slice(i, i + 337).map(toRow));
    const prices: PriceRow[] = priceRows({
      prices: [
        { gpuModel: H100, perHour: 2.5, to: T + 2_000_000 + seed },
        { gpuModel: H100, perHour: 3.25, from: T + 2_000_000 + seed },
        { gpuModel: A100, perHour: 1.75, from: T + 1_000_000 },
      ],
    });
    await syncPrices(store, prices);
    const window = { fromMs: T + 2_500_000 + seed * 7, endMs: T + 5_000_000, previousFromMs: T + seed * 7, maxIntervalMs: 60_000, idleThreshold: 0.05 };
    const sql = await queryUsage(store, window);
    const mine = readings.filter((r) => r.uuid.startsWith(`GPU-${seed * 1000 + 1}-`));
    const own = (rows: UsageRow[]) => rows.filter((r) => r.uuid.startsWith(`GPU-${seed * 1000 + 1}-`));
    const opts = { maxIntervalMs: 60_000, idleThreshold: 0.05, prices };
    expectSameUsage(own(sql.current), integrateUsage(mine, { ...opts, fromMs: window.fromMs, toMs: window.endMs }));
    expectSameUsage(own(sql.previous), integrateUsage(mine, { ...opts, fromMs: window.previousFromMs, toMs: window.fromMs }));
    expect(own(sql.current).some((r) => r.perHour === null)).toBe(true);
    expect(own(sql.previous).filter((r) => r.segmentFromMs === T + 2_000_000 + seed).length).toBeGreaterThan(0);
    expect(new Set(own(sql.current).map((r) => r.pod)).size).toBeGreaterThan(1);
  });
});
