// The hourly rollups against the raw-sample path and the reference integration, on a random fleet of
// ten hours: price changes on an hour and inside one, pod moves and scrape gaps within hours, MIG,
// both utilisation fields, blanks and resent rows; then a late sample into a sealed hour.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../app/config.js';
import { openStore } from '../storage/clickhouse.js';
import { MIGRATIONS, migrate } from '../storage/migrations.js';
import type { Store } from '../storage/store.js';
import { podMapper } from './mapping.js';
import { COST_MIGRATIONS } from './migrations.js';
import { priceRows } from './prices.js';
import { parseCostQuery } from './query.js';
import { buildReport } from './report.js';
import { HOUR_MS, sealRollups, staleHours } from './rollup.js';
import { hoursOfSamplesRead } from './testing/plan.js';
import { validateCostConfig } from './service.js';
import { queryUsage, syncPrices, usageStatement, type UsageQuery } from './store.js';
import { integrateUsage, type GpuReading, type UsageRow } from './usage.js';

const retention = validateConfig({}).storage.retentionDays;
const H100 = 'NVIDIA H100 80GB HBM3';
const A100 = 'NVIDIA A100-SXM4-80GB';
// On an hour, recent enough for the tables' TTL.
const T0 = Math.floor((Date.now() - 3 * 86_400_000) / HOUR_MS) * HOUR_MS;
const config = validateCostConfig({
  prices: [
    { gpuModel: H100, perHour: 2.5, to: T0 + 6 * HOUR_MS },
    { gpuModel: H100, perHour: 3.25, from: T0 + 6 * HOUR_MS, to: T0 + 8 * HOUR_MS + 1234 },
    { gpuModel: H100, perHour: 2.75, from: T0 + 8 * HOUR_MS + 1234 },
    { gpuModel: A100, perHour: 1.75, from: T0 + HOUR_MS },
  ],
  defaultPerHour: 1,
  maxSampleIntervalMs: '60s',
});
const rules = { maxIntervalMs: config.maxSampleIntervalMs, idleThreshold: config.idleUtilisationThreshold };
const prices = priceRows(config);
// The window and the previous period start and end inside hours.
const window: UsageQuery = { fromMs: T0 + 5 * HOUR_MS + 1_234_567, endMs: T0 + 10 * HOUR_MS + 777, previousFromMs: 0, ...rules };
window.previousFromMs = window.fromMs - (window.endMs - window.fromMs);

let store: Store;
let readings: GpuReading[];
beforeAll(async () => {
  store = await openStore({ database: 'mlobs', dataDir: mkdtempSync(join(tmpdir(), 'mlobs-cost-rollup-')) });
  await migrate(store, retention, [...MIGRATIONS, ...COST_MIGRATIONS]);
  await syncPrices(store, prices);
  readings = randomFleet(42);
  // In pieces, as sinks insert, so that one instant's fields may land in different parts.
  for (let i = 0; i < readings.length; i += 997) await store.insert('gpu_samples', readings.slice(i, i + 997).map(toRow));
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

/** Ten hours of irregular scrapes (5-30 s, now and then a gap of up to 10 min) with pod moves, both fields, blanks, other fields and resent rows. */
function randomFleet(seed: number): GpuReading[] {
  let x = seed;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const units = [
    { hostname: 'n1', uuid: 'GPU-a', gpuIId: '', gpuIProfile: '', modelName: H100 },
    { hostname: 'n1', uuid: 'GPU-b', gpuIId: '', gpuIProfile: '', modelName: H100 },
    { hostname: 'n2', uuid: 'GPU-c', gpuIId: '4', gpuIProfile: '2g.20gb', modelName: A100 },
  ];
  const pods = [{ namespace: '', pod: '' }, { namespace: 'a', pod: 'a-1' }, { namespace: 'b', pod: 'b-7f-x' }];
  const out: GpuReading[] = [];
  for (const u of units) {
    let alloc = pods[0]!;
    for (let t = T0 + Math.floor(rand() * 30_000); t < T0 + 11 * HOUR_MS; ) {
      if (rand() < 0.01) alloc = pods[Math.floor(rand() * pods.length)]!;
      const base = { ...u, ...alloc, tsMs: t };
      if (rand() < 0.6) out.push({ ...base, metric: 'DCGM_FI_DEV_GPU_UTIL', value: rand() < 0.05 ? null : Math.floor(rand() * 101) });
      if (rand() < 0.5) out.push({ ...base, metric: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', value: rand() < 0.3 ? rand() * 0.04 : rand() });
      if (rand() < 0.1) out.push({ ...base, metric: 'DCGM_FI_DEV_POWER_USAGE', value: 300 });
      if (rand() < 0.03) out.push(...out.slice(-2));
      t += rand() < 0.01 ? Math.floor(rand() * 600_000) : 5_000 + Math.floor(rand() * 25_000);
    }
  }
  return out;
}

const key = (r: UsageRow) => JSON.stringify([r.uuid, r.gpuIId, r.namespace, r.pod, r.modelName, r.segmentFromMs]);
function expectSameUsage(got: UsageRow[], want: UsageRow[]) {
  const byKey = new Map(got.map((r) => [key(r), r]));
  expect([...byKey.keys()].sort()).toEqual(want.map(key).sort());
  for (const w of want) {
    const g = byKey.get(key(w))!;
    expect([g.observedMs, g.segmentToMs, g.gpuShare, g.perHour]).toEqual([w.observedMs, w.segmentToMs, w.gpuShare, w.perHour]);
    for (const c of ['gpuHours', 'busyGpuHours', 'idleGpuHours', 'cost', 'busyCost', 'idleCost'] as const) expect(g[c]).toBeCloseTo(w[c]!, 9);
  }
}

const reference = (rs: readonly GpuReading[], fromMs: number, toMs: number) => integrateUsage(rs, { ...rules, prices, fromMs, toMs });
const report = (u: { current: UsageRow[]; previous: UsageRow[] }, by: 'team' | 'pod' | 'node') =>
  buildReport({
    query: parseCostQuery({ by, from: String(window.fromMs), to: String(window.endMs) }, Date.now()),
    ...u,
    mapper: podMapper(config),
    currency: 'USD',
    idleThreshold: rules.idleThreshold,
    maxIntervalMs: rules.maxIntervalMs,
  });

/** Both paths against the reference integration, and the reports they give equal to the cent. */
async function expectAllAgree(rs: readonly GpuReading[]) {
  const [rolled, raw] = [await queryUsage(store, window), await queryUsage(store, window, 'cost_gpu_usage_raw')];
  for (const u of [rolled, raw]) {
    expectSameUsage(u.current, reference(rs, window.fromMs, window.endMs));
    expectSameUsage(u.previous, reference(rs, window.previousFromMs, window.fromMs));
  }
  for (const by of ['team', 'pod', 'node'] as const) expect(report(rolled, by)).toEqual(report(raw, by));
}

const rollupRows = async () => Number((await store.query<{ n: string }>('SELECT count() AS n FROM mlobs.cost_gpu_hourly WHERE gpu_key != 0'))[0]!.n);

describe('hourly cost rollups', () => {
  it('give the raw path\'s figures once sealed, across price changes on and inside an hour, pod moves and scrape gaps', async () => {
    await expectAllAgree(readings);
    expect(await rollupRows()).toBe(0);
    // The fleet spans 11 hours; every hour and the one after it are complete.
    expect(await sealRollups(store, { ...rules, nowMs: Date.now() })).toBe(12);
    expect(await staleHours(store, { ...rules, nowMs: Date.now() })).toEqual([]);
    expect(await rollupRows()).toBeGreaterThan(20);
    await expectAllAgree(readings);
    // The window holds several pod moves and price segments, and some time unpriced by its own entry.
    const rows = (await queryUsage(store, window)).current;
    expect(new Set(rows.map((r) => r.pod)).size).toBe(3);
    expect(new Set(rows.map((r) => r.segmentFromMs))).toEqual(new Set([window.fromMs, T0 + 6 * HOUR_MS, T0 + 8 * HOUR_MS + 1234]));
  });

  it('are read by the report statement, which reads the samples only of the hours the rollups do not cover', async () => {
    await sealRollups(store, { ...rules, nowMs: Date.now() });
    const { sql, params } = usageStatement(store.database, window);
    const plan = (await store.query<{ explain: string }>(`EXPLAIN indexes = 1 ${sql}`, params)).map((r) => r.explain).join('\n');
    expect(plan.match(/ReadFromMergeTree \(mlobs\.cost_gpu_hourly\)/g)).toHaveLength(2);
    // Window: hours 6, 7 and 9 are sealed (5 and 10 are partial, 8 has a price change inside), so samples
    // of hours 5, 7, 8, 9 and 10 are read (those of 7 and 9 for their last minute, which reaches into 8 and 10).
    // Previous period: hours 1-4 sealed, samples of hours 0, 4 and 5 read (those of 4 for its last minute).
    expect(hoursOfSamplesRead(plan)).toEqual([5, 3]);
  });

  it('integrate a sealed hour from its samples again when a late or resent sample arrives, until it is sealed anew', async () => {
    // A late sample between two stored ones, moving GPU-a to another pod for a while, and a resent one.
    const a = readings.filter((r) => r.uuid === 'GPU-a' && r.tsMs > T0 + 7 * HOUR_MS + 600_000 && r.value !== null && r.metric === 'DCGM_FI_DEV_GPU_UTIL');
    const late: GpuReading = { ...a[0]!, tsMs: a[0]!.tsMs + 1_000 < a[1]!.tsMs ? a[0]!.tsMs + 1_000 : a[0]!.tsMs - 1, namespace: 'late', pod: 'late-1', value: 1 };
    const more = [late, a[5]!];
    await store.insert('gpu_samples', more.map(toRow));
    const all = [...readings, ...more];
    expect(await staleHours(store, { ...rules, nowMs: Date.now() })).toEqual([T0 + 7 * HOUR_MS, T0 + 8 * HOUR_MS]);
    await expectAllAgree(all);
    expect((await queryUsage(store, window)).current.some((r) => r.pod === 'late-1')).toBe(true);
    expect(await sealRollups(store, { ...rules, nowMs: Date.now() })).toBe(2);
    expect(await staleHours(store, { ...rules, nowMs: Date.now() })).toEqual([]);
    await expectAllAgree(all);
  });

  it('are not used for other integration rules than they were sealed for', async () => {
    const other = { ...window, maxIntervalMs: 45_000, idleThreshold: 0.1 };
    const [rolled, raw] = [await queryUsage(store, other), await queryUsage(store, other, 'cost_gpu_usage_raw')];
    expectSameUsage(rolled.current, raw.current);
    expectSameUsage(rolled.previous, raw.previous);
    const { sql, params } = usageStatement(store.database, other);
    const plan = (await store.query<{ explain: string }>(`EXPLAIN indexes = 1 ${sql}`, params)).map((r) => r.explain).join('\n');
    expect(plan).toMatch(/cost_gpu_util\)/);
  });
});
