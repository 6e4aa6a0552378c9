// npm run bench:cost — a cost report by team over 30 days of 15-second samples, through GET /v1/cost of
// a real embedded stack (the path `mlobs cost` takes), for 64 GPUs (about 11 million samples) and for
// 1,000 GPUs (about 170 million). The samples are generated inside the engine (INSERT … SELECT FROM
// numbers(), a day per statement), so the materialised views fill as they do at ingest; then the
// rollup job's work is done (every complete hour sealed) and the report is timed after merges.
// Also measured: the insert overhead of the rollups' insert-time view, the sealing time, storage per
// table, and the raw-sample path beside the rollups. Writes its section of bench/RESULTS.md.
// BENCH_COST_GPUS=64 runs one case only; BENCH_COST_DAYS=3 a shorter month (for profiling);
// BENCH_COST_KEEP=1 keeps each case's data folder and prints its path, to study its statements afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../app/config.js';
import { silentLogger } from '../core/log.js';
import { startStack, type Stack } from '../app/stack.js';
import { COST_MIGRATIONS } from '../cost/migrations.js';
import { sealRollups } from '../cost/rollup.js';
import { SAMPLE_MIGRATIONS } from '../cost/sql.js';
import { queryUsage, type UsageQuery, type UsageView } from '../cost/store.js';
import { MIGRATIONS, migrate } from '../storage/migrations.js';
import type { Store } from '../storage/store.js';
import { machineLine, median, writeSection } from './results.js';

const STEP_MS = 15_000;
const DAYS = Number(process.env.BENCH_COST_DAYS ?? 30);
const DAY_MS = 86_400_000;
const TARGET_MS = 2000;
const RUNS = 7;
const CASES = (process.env.BENCH_COST_GPUS ?? '64,1000').split(',').map(Number);

const H100 = 'NVIDIA H100 80GB HBM3';
const A100 = 'NVIDIA A100-SXM4-80GB';
const end = Math.floor(Date.now() / STEP_MS) * STEP_MS;
const start = end - DAYS * DAY_MS;
const load = () => loadavg()[0]!.toFixed(2);
const log = (s: string) => console.log(`[load ${load()}] ${s}`);

// Nodes of 8 GPUs (the last eighth of the fleet A100s, unallocated); every GPU changes pod once a day and
// misses scrapes for 20 minutes once a day; utilisation follows a hash of the sample.
const GENERATE = (db: string) => `INSERT INTO ${db}.gpu_samples (ts, metric, metric_type, value, hostname, gpu, uuid, model_name, namespace, pod, container, source)
  SELECT fromUnixTimestamp64Milli(toInt64({start:Int64} + k * {step:Int64}), 'UTC'), 'DCGM_FI_DEV_GPU_UTIL', 'gauge', toFloat64(cityHash64(k, g) % 101),
    concat('node-', toString(intDiv(g, 8))), toString(g % 8), concat('GPU-bench-', toString(g)), if(g >= {allocated:UInt64}, {a100:String}, {h100:String}),
    if(g < {allocated:UInt64}, concat('team-', toString(g % 8)), ''),
    if(g < {allocated:UInt64}, concat('job-', toString(g), '-', toString(intDiv(k, 5760))), ''), if(g < {allocated:UInt64}, 'main', ''), 'bench'
  FROM (SELECT number % {gpus:UInt64} AS g, {k0:UInt64} + intDiv(number, {gpus:UInt64}) AS k FROM numbers({n:UInt64}))
  WHERE (k + g * 37) % 5760 >= 80`;

const generate = (store: Store, gpus: number, fromInstant: number, instants: number) =>
  store.command(GENERATE(store.database), {
    start, step: STEP_MS, gpus, allocated: gpus - gpus / 8, n: gpus * instants, k0: fromInstant, h100: H100, a100: A100,
  });

const count = async (store: Store, sql: string, params?: Record<string, unknown>) => Number(Object.values((await store.query<Record<string, string>>(sql, params))[0]!)[0]);

/** Bytes on disk and rows per table of the database. */
async function storage(store: Store) {
  const rows = await store.query<{ table: string; bytes: string; rows: string }>(
    `SELECT table, sum(bytes_on_disk) AS bytes, sum(rows) AS rows FROM system.parts WHERE database = {db:String} AND active AND table IN ('gpu_samples', 'cost_gpu_util', 'cost_gpu_util_hours', 'cost_gpu_hourly', 'cost_gpu_allocations') GROUP BY table`,
    { db: store.database },
  );
  return new Map(rows.map((r) => [r.table, { bytes: Number(r.bytes), rows: Number(r.rows) }]));
}

/** The same store under another database name of the same engine. */
const inDatabase = (store: Store, database: string): Store => Object.create(store, { database: { value: database } }) as Store;

/**
 * Insert overhead of the rollups at insert: the same generated samples (GPUs x 2 hours) into a database
 * with the cost migrations before rollups and into one with them, alternately, 3 rounds.
 */
async function insertOverhead(store: Store, gpus: number) {
  const retention = validateConfig({}).storage.retentionDays;
  const without = inDatabase(store, 'bench_without_rollups');
  const withR = inDatabase(store, 'bench_with_rollups');
  for (const s of [without, withR]) {
    await s.command(`CREATE DATABASE IF NOT EXISTS ${s.database}`);
    await migrate(s, retention, [...MIGRATIONS, ...(s === withR ? COST_MIGRATIONS : SAMPLE_MIGRATIONS)]);
  }
  const instants = 480;
  const times = { without: [] as number[], with: [] as number[] };
  for (let round = 0; round < 3; round++) {
    for (const [name, s] of [['without', without], ['with', withR]] as const) {
      const t0 = performance.now();
      await generate(s, gpus, round * instants, instants);
      times[name].push(performance.now() - t0);
    }
  }
  for (const s of [without, withR]) await s.command(`DROP DATABASE IF EXISTS ${s.database} SYNC`);
  return { samples: gpus * instants, without: median(times.without), with: median(times.with) };
}

interface CaseResult {
  gpus: number;
  samples: number;
  generatedS: number;
  sealS: number;
  sealedHours: number;
  report: { median: number; min: number; max: number; sqlMs: number; load: string; merges: number; parts: number };
  rawSqlMs: number | null;
  rawFailure: string;
  equal: string;
  storage: Map<string, { bytes: number; rows: number }>;
  overhead: Awaited<ReturnType<typeof insertOverhead>> | null;
  totalCost: number;
}

async function runCase(gpus: number): Promise<CaseResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mlobs-bench-cost-'));
  const config = validateConfig({
    server: { port: 0 },
    storage: { dataDir },
    cost: {
      prices: [
        { gpuModel: H100, perHour: 2.5, to: new Date(start + 15 * DAY_MS).toISOString() },
        { gpuModel: H100, perHour: 2.1, from: new Date(start + 15 * DAY_MS).toISOString() },
        { gpuModel: A100, perHour: 1.6 },
      ],
      teams: { byNamespace: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`team-${i}`, `team ${i}`])) },
      // The bench seals explicitly (and times it), so the stack's job stays out of the way.
      rollupEveryMs: '1h',
    },
  });
  const stack: Stack = await startStack(config, { logger: silentLogger });
  const store = stack.store;
  const db = store.database;
  try {
    const instantsPerDay = DAY_MS / STEP_MS;
    log(`${gpus} GPUs: generating ${(gpus * instantsPerDay * DAYS).toLocaleString('en-US')} sample slots, a day per statement…`);
    const g0 = performance.now();
    for (let d = 0; d < DAYS; d++) {
      await generate(store, gpus, d * instantsPerDay, instantsPerDay);
      if (d % 5 === 4) log(`  day ${d + 1}/${DAYS}, ${((performance.now() - g0) / 1000).toFixed(0)} s`);
    }
    const generatedS = (performance.now() - g0) / 1000;
    const samples = await count(store, `SELECT count() FROM ${db}.gpu_samples`);
    log(`${samples.toLocaleString('en-US')} samples stored in ${generatedS.toFixed(0)} s`);

    // The rollup job's work: every complete hour sealed (the stack does it a few days per minute).
    const s0 = performance.now();
    const sealedHours = await sealRollups(store, { maxIntervalMs: config.cost.maxSampleIntervalMs, idleThreshold: config.cost.idleUtilisationThreshold, nowMs: Date.now() });
    const sealS = (performance.now() - s0) / 1000;
    log(`sealed ${sealedHours} hours in ${sealS.toFixed(1)} s`);

    // Reports over history meet settled parts: wait for background merges (bounded), then merge the rollups.
    const merges = () => count(store, `SELECT count() FROM system.merges WHERE database = {db:String}`, { db });
    const until = Date.now() + 600_000;
    while (Date.now() < until && (await merges()) > 0) await new Promise((r) => setTimeout(r, 2000));
    await store.command(`OPTIMIZE TABLE ${db}.cost_gpu_hourly FINAL`);
    const mergesLeft = await merges();
    const parts = await count(store, `SELECT count() FROM system.parts WHERE database = {db:String} AND table = 'cost_gpu_util' AND active`, { db });

    const url = `${stack.url}/v1/cost?by=team&from=${new Date(start).toISOString()}&to=${new Date(end).toISOString()}`;
    const q: UsageQuery = { fromMs: start, endMs: end, previousFromMs: start - (end - start), maxIntervalMs: 60_000, idleThreshold: 0.05 };
    const sqlTime = async (view: UsageView, query = q) => {
      const s1 = performance.now();
      await queryUsage(store, query, view);
      return performance.now() - s1;
    };
    const loadBefore = load();
    const times: number[] = [];
    let body: any;
    for (let i = 0; i <= RUNS; i++) {
      const t0 = performance.now();
      const res = await fetch(url);
      body = await res.json();
      if (res.status !== 200) throw new Error(`GET /v1/cost answered ${res.status}: ${body.error}`);
      if (i > 0) times.push(performance.now() - t0);
    }
    const sqlTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) sqlTimes.push(await sqlTime('cost_gpu_usage'));
    log(`report: median ${median(times).toFixed(0)} ms (${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)}), SQL alone ${median(sqlTimes).toFixed(0)} ms; fleet total ${body.total.cost} USD`);

    // The raw-sample path over the whole window: every sample sorted per GPU. At 1,000 GPUs that is one
    // heavy statement (timed once); if the engine cannot hold it, one day inside hours is compared instead.
    const sum = (rows: { cost: number | null }[]) => rows.reduce((a, r) => a + (r.cost ?? 0), 0);
    const cents = (x: number) => Math.round(x * 100);
    let rawQuery: UsageQuery = q;
    let rawSqlMs: number | null = null;
    let rawFailure = '';
    let raw: Awaited<ReturnType<typeof queryUsage>>;
    try {
      const r0 = performance.now();
      raw = await queryUsage(store, q, 'cost_gpu_usage_raw');
      rawSqlMs = performance.now() - r0;
      if (gpus <= 64) rawSqlMs = median([rawSqlMs, await sqlTime('cost_gpu_usage_raw'), await sqlTime('cost_gpu_usage_raw')]);
    } catch (e) {
      rawFailure = /Timeout exceeded/.test((e as Error).message) ? 'over the 60 s statement limit' : `failed: ${(e as Error).message.slice(0, 80)}`;
      log(`raw path over 30 days failed (${(e as Error).message.slice(0, 200)}); comparing one day instead`);
      rawQuery = { ...q, fromMs: start + 10 * DAY_MS + 1_234_567, endMs: start + 11 * DAY_MS + 2_345_678 };
      rawQuery.previousFromMs = rawQuery.fromMs - (rawQuery.endMs - rawQuery.fromMs);
      raw = await queryUsage(store, rawQuery, 'cost_gpu_usage_raw');
    }
    log(`raw path: ${rawSqlMs === null ? 'one day' : `${rawSqlMs.toFixed(0)} ms over 30 days`}`);
    const rollupReport = await (await fetch(`${stack.url}/v1/cost?by=pod&from=${rawQuery.fromMs}&to=${rawQuery.endMs}`)).json();
    const rolled = await queryUsage(store, rawQuery, 'cost_gpu_usage');
    const whole = rawQuery === q;
    const equal = cents(sum(rolled.current)) === cents(sum(raw.current)) && rolled.current.length === raw.current.length && cents(sum(raw.current)) === cents((rollupReport as any).total.cost)
      ? `equal to the cent (${(rollupReport as any).total.cost} USD, ${raw.current.length} usage rows${whole ? ', the 30 days' : ', one day starting and ending inside hours'})`
      : `DIFFERENT: rollups ${sum(rolled.current)}, raw ${sum(raw.current)}`;
    log(`rollups vs raw: ${equal}`);

    const overhead = gpus === Math.max(...CASES) ? await insertOverhead(store, gpus) : null;
    if (overhead) log(`insert overhead: ${overhead.samples.toLocaleString('en-US')} samples in ${overhead.without.toFixed(0)} ms without rollups, ${overhead.with.toFixed(0)} ms with`);
    return {
      gpus, samples, generatedS, sealS, sealedHours,
      report: { median: median(times), min: Math.min(...times), max: Math.max(...times), sqlMs: median(sqlTimes), load: loadBefore, merges: mergesLeft, parts },
      rawSqlMs, rawFailure, equal, storage: await storage(store), overhead, totalCost: body.total.cost,
    };
  } finally {
    await stack.stop();
    if (process.env.BENCH_COST_KEEP) log(`kept ${dataDir} (database ${db})`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

const results: CaseResult[] = [];
for (const gpus of CASES) results.push(await runCase(gpus));

const mib = (b: number | undefined) => `${((b ?? 0) / 2 ** 20).toFixed(1)} MiB`;
const met = results.every((r) => r.report.median <= TARGET_MS);
const lines = results.map((r) => {
  const st = (t: string) => r.storage.get(t);
  return `| ${r.gpus} | ${r.samples.toLocaleString('en-US')} | **${r.report.median.toFixed(0)}** | ${r.report.min.toFixed(0)}–${r.report.max.toFixed(0)} | ${r.report.sqlMs.toFixed(0)} | ${r.rawSqlMs === null ? `${r.rawFailure} (one day compared)` : r.rawSqlMs.toFixed(0)} | ${r.report.load} | ${r.report.merges} | ${mib(st('gpu_samples')?.bytes)} | ${mib(st('cost_gpu_util')?.bytes)} | ${mib(st('cost_gpu_hourly')?.bytes)} (${(st('cost_gpu_hourly')?.rows ?? 0).toLocaleString('en-US')} rows) | ${r.sealedHours} h in ${r.sealS.toFixed(0)} s |`;
});
const ov = results.find((r) => r.overhead)?.overhead;
// A shorter month is a profiling run: it prints, and leaves the month's figures in RESULTS.md alone.
if (DAYS !== 30) console.log('BENCH_COST_DAYS set: bench/RESULTS.md not written');
else writeSection(
  'cost',
  `${machineLine('embedded engine (chdb); the machine is shared with other work, so the 1-minute load average is given beside each figure')}
Data: DCGM_FI_DEV_GPU_UTIL every ${STEP_MS / 1000} s for ${DAYS} days (a 20-minute scrape gap per GPU per day, one pod per GPU per day, an eighth of the GPUs unallocated, a price change mid-window), generated in the engine a day per statement (materialised views included): ${results.map((r) => `${r.gpus} GPUs in ${r.generatedS.toFixed(0)} s`).join(', ')}.
Then every complete hour sealed into the hourly rollups (the \`cost.rollups\` job's work), background merges awaited (up to 10 min; "merges left" when measuring), the rollup table merged.
Measured: \`GET /v1/cost?by=team\` over the 30 days (and the previous 30, empty), ${RUNS} runs after one warm-up; "SQL" is the median of ${RUNS} runs of the report's statement without HTTP; "raw SQL" the same statement over \`cost_gpu_usage_raw\` (every sample).
Target: ≤ ${TARGET_MS} ms median — **${met ? 'met' : 'missed'}**.

| GPUs | samples | report median ms | range ms | SQL ms | raw SQL ms | load avg | merges left | gpu_samples | cost_gpu_util | cost_gpu_hourly | sealing |
|---|---|---|---|---|---|---|---|---|---|---|---|
${lines.join('\n')}

Rollups against the raw path: ${results.map((r) => `${r.gpus} GPUs ${r.equal}`).join('; ')}.
${ov ? `Insert overhead of the rollups at insert (their view counting samples per hour, and the \`samples\` column): ${ov.samples.toLocaleString('en-US')} samples generated into a database without them in ${ov.without.toFixed(0)} ms and with them in ${ov.with.toFixed(0)} ms (median of 3 alternating rounds): ${(((ov.with - ov.without) / ov.without) * 100).toFixed(0)} %. Sealing is the rollup job's work, off the insert path: ${results.map((r) => `${((r.sealS * 1000) / r.sealedHours).toFixed(0)} ms per fleet-hour at ${r.gpus} GPUs`).join(', ')}.` : ''}
"Raw SQL" is the median of 3 runs at 64 GPUs and one run above that.`,
);
