/**
 * `npm run bench:drift`: a full drift report (all five methods) for 20 numerical and 5
 * categorical features over 1,000,000 reference and 1,000,000 current predictions, timed through
 * the HTTP API of a real stack on the embedded engine, and beside it, in the same run, SciPy
 * computing the same statistics on NumPy arrays already in memory. Writes both times, their
 * ratio (target <= 0.25), the agreement of the numbers and Node's heap growth to its section of
 * bench/RESULTS.md (bench/results.ts).
 * ROWS=… changes the row count per side. The embedding part is bench/drift/embeddings.ts, with its
 * own section; BENCH_DRIFT_PARTS=embeddings runs it alone. BENCH_DRIFT_CASE=wide runs the wide model
 * instead (wide.ts; its sub-section of this bench's section).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { validateConfig } from '../../app/config.js';
import { silentLogger } from '../../core/log.js';
import { startStack } from '../../app/stack.js';
import { driftModule } from '../../drift/module.js';
import type { DriftReport } from '../../drift/report/types.js';
import { driftReport } from '../../drift/report/report.js';
import { CATEGORICAL, exportSide, generateSide, NUMERIC } from './generate.js';
import { benchEmbeddings, EMB_CUR, EMB_REF, embeddingLines } from './embeddings.js';
import { machineLine, median, writeSection } from '../../bench/results.js';
import { runWide } from './wide.js';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
// Embeddings (bench/drift/embeddings.ts): EMB_REF, EMB_CUR, EMB_DIM (0 rows: skipped); BENCH_DRIFT_PARTS=embeddings runs only them.
const EMBEDDINGS_ONLY = process.env.BENCH_DRIFT_PARTS === 'embeddings';
// Asynchronous: a synchronous child (execFileSync) blocks the stack's event loop in this same process
// for the whole SciPy run, past the HTTP keep-alive timeout, and the next report request then fails
// with ECONNRESET (seen at ROWS=3000000).
const execFileAsync = promisify(execFile);
const RUNS = 3;
const DAY = 86_400_000;
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const REF = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;
const CUR = REF + DAY;
const log = (msg: string) => console.error(`[bench:drift] ${msg}`);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Runs fn while sampling V8's heap; returns its result, the time and the heap peak above the start. */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; heapMb: number }> {
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  const t = performance.now();
  const value = await fn();
  const ms = performance.now() - t;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  return { value, ms, heapMb: (peak - base) / 2 ** 20 };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'mlobs-bench-drift-'));
  // The stack computes the per-feature methods only, so the comparison with SciPy measures the same
  // work; the multivariate and embedding methods are timed below on the same store.
  const full = validateConfig({ server: { port: 0 }, storage: { dataDir: join(dir, 'data') } });
  const config = validateConfig({ server: { port: 0 }, storage: { dataDir: join(dir, 'data') }, drift: { multivariate: { methods: [] }, embeddings: { methods: [] } } });
  const stack = await startStack(config, { logger: silentLogger, modules: [driftModule] });
  try {
    if (EMBEDDINGS_ONLY) {
      writeSection('drift-embeddings', embeddingLines(await benchEmbeddings(stack.store, full.drift, REF, CUR, log), full.drift));
      return;
    }
    let t = performance.now();
    await generateSide(stack.store, 0, ROWS, REF);
    await generateSide(stack.store, 1, ROWS, CUR);
    const genS = (performance.now() - t) / 1000;
    const [parts] = await stack.store.query<{ n: string }>(`SELECT count() AS n FROM system.parts WHERE database = '${stack.store.database}' AND table = 'predictions' AND active`);
    log(`generated 2 × ${ROWS} rows in ${genS.toFixed(1)} s (${parts!.n} parts)`);

    const url = (from: number, to: number, rf: number, rt: number, methods = 'ks,wasserstein,psi,js,chi2') =>
      `${stack.url}/v1/drift/report?model=bench&from=${from}&to=${to}&reference_from=${rf}&reference_to=${rt}&methods=${methods}`;
    const get = async (u: string) => {
      const res = await fetch(u);
      if (!res.ok) throw new Error(`report failed: ${res.status} ${await res.text()}`);
      return (await res.json()) as DriftReport;
    };
    // What the engine hands to Node per report, in JSON bytes: bounded by features and cells, not rows.
    let received = 0;
    const query = stack.store.query.bind(stack.store);
    stack.store.query = (async (sql: string, params?: Record<string, unknown>) => {
      const rows = await query(sql, params);
      received += JSON.stringify(rows).length;
      return rows;
    }) as typeof stack.store.query;
    const receivedBy = async <T>(fn: () => Promise<T>) => {
      received = 0;
      const r = await fn();
      return { ...r, bytes: received };
    };

    const exp = join(dir, 'export');
    mkdirSync(exp);
    await exportSide(stack.store, exp, 'ref', REF, REF + DAY);
    await exportSide(stack.store, exp, 'cur', CUR, CUR + DAY);
    writeFileSync(join(exp, 'manifest.json'), JSON.stringify({ numeric: NUMERIC, categorical: CATEGORICAL }));
    const scipy = async () => {
      log('running SciPy …');
      const { stdout } = await execFileAsync('python3', [join(REPO, 'bench/drift/scipy_bench.py'), exp], { encoding: 'utf8', maxBuffer: 1 << 24 });
      return JSON.parse(stdout);
    };

    // The machine is shared: both sides run twice, interleaved, and the best run of each counts.
    await get(url(CUR, CUR + DAY, REF, REF + DAY)); // warm-up
    const runs = [];
    const pys = [];
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < RUNS; i++) runs.push(await receivedBy(() => measured(() => get(url(CUR, CUR + DAY, REF, REF + DAY)))));
      pys.push(await scipy());
    }
    const py = pys[0];
    const report = runs[0]!.value;
    const oursMs = Math.min(...runs.map((r) => r.ms));
    const scipyMs = Math.min(...pys.map((p) => p.seconds * 1000));
    const auto = await measured(() => get(url(CUR, CUR + DAY, REF, REF + DAY, 'auto')));
    // A tenth of the rows (the first 2.4 h of each day) for the memory comparison.
    const tenth = await receivedBy(() => measured(() => get(url(CUR, CUR + DAY / 10, REF, REF + DAY / 10))));
    log(`report: ${runs.map((r) => r.ms.toFixed(0)).join(', ')} ms; SciPy ${pys.map((p) => (p.seconds * 1000).toFixed(0)).join(', ')} ms`);
    // Multivariate: the default report (one method per feature) without and with pca_error + mmd, in process.
    const req = { model: 'bench', fromMs: CUR, toMs: CUR + DAY, reference: { type: 'window' as const, from: REF, to: REF + DAY } };
    const plain = await measured(() => driftReport({ store: stack.store, config: config.drift }, req));
    const mvCfg = { ...full.drift, embeddings: { ...full.drift.embeddings, methods: [] } };
    const mv = await measured(() => driftReport({ store: stack.store, config: mvCfg }, req));
    const mvr = mv.value.multivariate!;
    log(`multivariate: report ${(plain.ms / 1000).toFixed(2)} s without, ${(mv.ms / 1000).toFixed(2)} s with pca_error + mmd`);
    // Embeddings: their own section (bench:drift-embeddings), written at the end.
    const emb = EMB_REF > 0 && EMB_CUR > 0 ? await benchEmbeddings(stack.store, full.drift, REF, CUR, log) : null;

    // Agreement with SciPy, per method: worst absolute difference over the features.
    const worst: Record<string, number> = {};
    let wBoundOk = true;
    const note = (k: string, d: number) => (worst[k] = Math.max(worst[k] ?? 0, Math.abs(d)));
    for (const f of report.features) {
      const s = py.results[f.feature];
      if (!s) continue;
      for (const r of f.results) {
        if (r.statistic === null) continue;
        if (r.method === 'ks' || r.method === 'chi2') {
          note(`${r.method} statistic`, r.statistic - s[r.method][0]);
          note(`${r.method} p-value`, r.p_value! - s[r.method][1]);
        } else if (r.method === 'wasserstein') {
          note('wasserstein (normed) estimate', r.statistic - s.wasserstein);
          const d = r.details as { normed_lower: number; normed_upper: number };
          if (s.wasserstein < d.normed_lower - 1e-12 || s.wasserstein > d.normed_upper + 1e-12) wBoundOk = false;
          note('wasserstein bound width (normed)', d.normed_upper - d.normed_lower);
        } else note(r.method, r.statistic - s[r.method]);
      }
    }
    const ratio = oursMs / scipyMs;
    const lines = [
      machineLine(`embedded engine (chdb), NumPy ${py.numpy}, SciPy ${py.scipy}`),
      `Data: ${ROWS.toLocaleString('en-US')} reference and ${ROWS.toLocaleString('en-US')} current predictions of one model, ${NUMERIC.length} numerical features (10 full precision, 5 rounded to 0.01, 5 to 0.1) and ${CATEGORICAL.length} categorical ones (3–8 categories, one unseen in the reference), generated in the engine in ${genS.toFixed(0)} s (${parts!.n} active parts, not merged further).`,
      `Measured: \`GET /v1/drift/report\` with \`methods=ks,wasserstein,psi,js,chi2\` (every method on every applicable feature: KS, Wasserstein, PSI, JS on 20 numerical; chi-square, PSI, JS on 5 categorical) after a warm-up; SciPy: the same statistics with \`ks_2samp\`, \`wasserstein_distance\`/\`np.std\`, \`np.quantile\`+\`searchsorted\` bins, \`chi2_contingency\`, \`jensenshannon\`, on NumPy arrays already loaded (loading not timed). As the machine is shared, two rounds of ${RUNS} reports and one SciPy run each, interleaved; the best time of each side counts (medians beside).`,
      `Target: ratio ≤ 0.25 — **${ratio <= 0.25 ? 'met' : 'not met'}**.`,
      '',
      '| | best | median | runs |',
      '|---|---|---|---|',
      `| mlobs drift report (ClickHouse + Node) | ${(oursMs / 1000).toFixed(2)} s | ${(median(runs.map((r) => r.ms)) / 1000).toFixed(2)} s | ${runs.map((r) => (r.ms / 1000).toFixed(2)).join(', ')} s |`,
      `| SciPy / NumPy on in-memory arrays | ${(scipyMs / 1000).toFixed(2)} s | | ${pys.map((p) => p.seconds.toFixed(2)).join(', ')} s |`,
      `| **ratio** | **${ratio.toFixed(3)}** | ${(median(runs.map((r) => r.ms)) / median(pys.map((p) => p.seconds * 1000))).toFixed(3)} | |`,
      `| mlobs with the default methods (one per feature) | | ${(auto.ms / 1000).toFixed(2)} s | |`,
      '',
      `Node memory: per report the engine hands Node ${(median(runs.map((r) => r.bytes)) / 1024).toFixed(0)} KiB of JSON at ${ROWS.toLocaleString('en-US')} rows per side and ${(tenth.bytes / 1024).toFixed(0)} KiB at ${(ROWS / 10).toLocaleString('en-US')} (bounded by features × cells, not by rows); V8 heap peak growth during a report ${median(runs.map((r) => r.heapMb)).toFixed(1)} MiB and ${tenth.heapMb.toFixed(1)} MiB (garbage-collection timing included).`,
      '',
      'Agreement with SciPy (worst absolute difference over the features):',
      '',
      '| quantity | worst difference |',
      '|---|---|',
      ...Object.entries(worst).map(([k, v]) => `| ${k} | ${v.toExponential(2)} |`),
      '',
      '### Multivariate and embedding drift',
      '',
      `Multivariate (\`@multivariate\`: PCA reconstruction error and MMD over ${mvr.columns.length} standardised columns — ${NUMERIC.length} numerical features and one-hot categories — with the defaults: 10 reference chunks, MMD on 500 + 500 sampled rows, 100 permutations), same data, in process: the default report takes ${(plain.ms / 1000).toFixed(2)} s without it and ${(mv.ms / 1000).toFixed(2)} s with it (+${((mv.ms - plain.ms) / 1000).toFixed(2)} s). ${mvr.results.map((r) => `${r.method}: ${r.statistic === null ? r.message : `${r.statistic.toPrecision(4)}${r.drifted ? ' (drifted)' : ' (no drift)'}`}`).join('; ')}.`,
      '',
      emb ? 'Embeddings: see bench:drift-embeddings, written by the same run.' : 'Embeddings: skipped (EMB_REF or EMB_CUR is 0).',
      '',
      `Wasserstein is computed on a grid of 65,536 cells per feature at this size (exact below 100,000 values); SciPy's exact value lies inside the reported bounds for every feature: **${wBoundOk ? 'yes' : 'NO'}**.`,
      '',
    ];
    writeSection('drift', lines.join('\n'));
    if (emb) writeSection('drift-embeddings', embeddingLines(emb, full.drift));
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

(process.env.BENCH_DRIFT_CASE === 'wide' ? runWide() : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
