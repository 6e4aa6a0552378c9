/**
 * The embedding part of `npm run bench:drift` (issue 14: a report over 1M reference and 100k current
 * vectors × 384 within 10 s), in its own file and its own RESULTS.md section (`bench:drift-embeddings`)
 * so it can run alone: `BENCH_DRIFT_PARTS=embeddings npm run bench:drift`; EMB_REF, EMB_CUR, EMB_DIM
 * change the size (e.g. EMB_REF=100000 EMB_CUR=10000 for a quick run).
 * The machine is shared, so beside wall-clock it records the process's CPU time (chdb runs in this
 * process, so the engine's threads count) per report and per statement, and the load average. The
 * embedded engine keeps no system.query_log, so a statement's time is taken around the call (the
 * engine's work plus handing the rows to Node).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { cpus, loadavg } from 'node:os';
import type { DriftConfig } from '../../drift/config.js';
import { driftReport } from '../../drift/report/report.js';
import type { DriftReport } from '../../drift/report/types.js';
import type { Store } from '../../storage/store.js';
import { machineLine, median } from '../results.js';
import { generateEmbeddings } from './generate.js';

export const EMB_REF = Number(process.env.EMB_REF ?? 1_000_000);
export const EMB_CUR = Number(process.env.EMB_CUR ?? 100_000);
export const EMB_DIM = Number(process.env.EMB_DIM ?? 384);
const RUNS = Number(process.env.EMB_RUNS ?? 3);
const DAY = 86_400_000;

export interface StatementTime {
  sql: string;
  wallMs: number;
  cpuMs: number;
}

// Marks the report's own statements: the stack's background jobs (e.g. the KServe joiner) share the
// store, and their statements, queued behind the report's, must not be listed as its cost.
const inReport = new AsyncLocalStorage<true>();

/** Wraps store.query/command to time each statement of the report (wall and this process's CPU); returns the log and an undo. */
function timeStatements(store: Store): { log: StatementTime[]; undo: () => void } {
  const log: StatementTime[] = [];
  const q = store.query.bind(store);
  const c = store.command.bind(store);
  const wrap =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      if (!inReport.getStore()) return fn(...a);
      const t = performance.now();
      const u = process.cpuUsage();
      try {
        return await fn(...a);
      } finally {
        const d = process.cpuUsage(u);
        log.push({ sql: String(a[0]).replace(/\s+/g, ' ').slice(0, 160), wallMs: performance.now() - t, cpuMs: (d.user + d.system) / 1000 });
      }
    };
  store.query = wrap(q) as typeof store.query;
  store.command = wrap(c) as typeof store.command;
  return { log, undo: () => ((store.query = q), (store.command = c)) };
}

export interface EmbeddingBench {
  genS: number;
  runs: { ms: number; cpuMs: number; load: number; heapMb: number; statements: StatementTime[] }[];
  report: DriftReport;
}

/** Generates the embedding data (model bench-emb) and times the report with all three methods, RUNS times after a warm-up. */
export async function benchEmbeddings(store: Store, drift: DriftConfig, refStart: number, curStart: number, log: (m: string) => void): Promise<EmbeddingBench> {
  const g = performance.now();
  await generateEmbeddings(store, 0, EMB_REF, EMB_DIM, refStart);
  await generateEmbeddings(store, 1, EMB_CUR, EMB_DIM, curStart);
  const genS = (performance.now() - g) / 1000;
  log(`generated ${EMB_REF} + ${EMB_CUR} embeddings × ${EMB_DIM} in ${genS.toFixed(1)} s`);
  // The engine merges the fresh parts in the background, in this process: its CPU would count in the
  // report's. Wait (on the condition, up to 10 min) until no merge runs.
  const settled = Date.now() + 600_000;
  for (;;) {
    const [m] = await store.query<{ n: string }>(`SELECT count() AS n FROM system.merges WHERE database = {db:String}`, { db: store.database });
    if (Number(m!.n) === 0) break;
    if (Date.now() > settled) throw new Error('background merges still running after 10 min');
    await new Promise((r) => setTimeout(r, 500));
  }
  log(`merges settled after ${((performance.now() - g) / 1000 - genS).toFixed(1)} s`);
  const cfg = { ...drift, multivariate: { ...drift.multivariate, methods: [] } };
  const req = { model: 'bench-emb', fromMs: curStart, toMs: curStart + DAY, reference: { type: 'window' as const, from: refStart, to: refStart + DAY } };
  await driftReport({ store, config: cfg }, req); // warm-up
  const runs: EmbeddingBench['runs'] = [];
  let report: DriftReport | undefined;
  for (let i = 0; i < RUNS; i++) {
    const timed = timeStatements(store);
    const load = loadavg()[0]!;
    // V8 heap peak above the start (what reaches Node: means, counts, the MMD sample), GC timing included.
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
    const u = process.cpuUsage();
    const t = performance.now();
    try {
      report = await inReport.run(true, () => driftReport({ store, config: cfg }, req));
    } finally {
      timed.undo();
      clearInterval(sampler);
    }
    const ms = performance.now() - t;
    const d = process.cpuUsage(u);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    runs.push({ ms, cpuMs: (d.user + d.system) / 1000, load, heapMb: (peak - base) / 2 ** 20, statements: timed.log });
    log(`embeddings: report ${(ms / 1000).toFixed(2)} s wall, ${((d.user + d.system) / 1e6).toFixed(2)} s CPU, load ${load.toFixed(2)}`);
  }
  return { genS, runs, report: report! };
}

/** The report's statements of the fastest run (its feature passes included). CPU is the process's, over the statement's span. */
function statementTable(run: EmbeddingBench['runs'][number]): string[] {
  const rows = run.statements.filter((s) => s.wallMs >= 5);
  return [
    '| statement (start) | wall | CPU (process) |',
    '|---|---|---|',
    ...rows.map((s) => `| \`${s.sql.slice(0, 90).replace(/\|/g, '\\|')}…\` | ${(s.wallMs / 1000).toFixed(2)} s | ${(s.cpuMs / 1000).toFixed(2)} s |`),
  ];
}

/** The section body for bench/RESULTS.md (`bench:drift-embeddings`). */
export function embeddingLines(b: EmbeddingBench, drift: DriftConfig): string {
  const best = b.runs.reduce((a, r) => (r.ms < a.ms ? r : a));
  const results = b.report.embeddings!.flatMap((x) => x.results);
  const ratio = results.find((r) => r.method === 'ratio');
  const sample = ratio?.details && (ratio.details as { sample_reference?: number }).sample_reference;
  return [
    machineLine(`embedded engine (chdb), ${cpus().length} cores`),
    `Data: ${EMB_REF.toLocaleString('en-US')} reference and ${EMB_CUR.toLocaleString('en-US')} current predictions of model \`bench-emb\`, each with one embedding \`text\` of ${EMB_DIM} Float32 components (N(0,1); the current side's first ${Math.max(1, Math.floor(EMB_DIM / 16))} components shifted by 0.3), generated in the engine in ${b.genS.toFixed(0)} s.`,
    `Measured: \`driftReport\` in process with the embedding methods only (mmd on ${drift.mmd.sampleSize} + ${drift.mmd.sampleSize} sampled vectors, distance between the mean vectors with a threshold from ${drift.embeddings.chunks} reference chunks, ratio of components drifted by KS on a ${drift.embeddings.cells}-cell grid with ${drift.embeddings.ratio.correction}${sample ? `, on a seeded sample of ${sample.toLocaleString('en-US')} vectors a side at most` : ''}), the per-feature passes of the report included; ${b.runs.length} runs after a warm-up. CPU is the process's (chdb runs in it), so it includes the engine's threads.`,
    `Target: ≤ 10 s — **${best.ms <= 10_000 ? 'met' : 'not met'}**.`,
    '',
    '| | best | median | runs |',
    '|---|---|---|---|',
    `| wall-clock | **${(best.ms / 1000).toFixed(2)} s** | ${(median(b.runs.map((r) => r.ms)) / 1000).toFixed(2)} s | ${b.runs.map((r) => (r.ms / 1000).toFixed(2)).join(', ')} s |`,
    `| CPU time (process) | ${(best.cpuMs / 1000).toFixed(2)} s | ${(median(b.runs.map((r) => r.cpuMs)) / 1000).toFixed(2)} s | ${b.runs.map((r) => (r.cpuMs / 1000).toFixed(2)).join(', ')} s |`,
    `| 1-minute load average at start | ${best.load.toFixed(2)} | | ${b.runs.map((r) => r.load.toFixed(2)).join(', ')} |`,
    `| V8 heap peak growth | ${best.heapMb.toFixed(1)} MiB | ${median(b.runs.map((r) => r.heapMb)).toFixed(1)} MiB | ${b.runs.map((r) => r.heapMb.toFixed(1)).join(', ')} MiB |`,
    '',
    `Results: ${results.map((r) => `${r.method}: ${r.statistic === null ? r.message : `${r.statistic.toPrecision(4)}${r.drifted ? ' (drifted)' : ' (no drift)'}`}`).join('; ')}.`,
    '',
    'Statements of the fastest run taking ≥ 5 ms:',
    '',
    ...statementTable(best),
    '',
  ].join('\n');
}
