/**
 * `BENCH_DRIFT_CASE=wide npm run bench:drift`: the default drift report (one method per feature,
 * multivariate on, as a user gets it) over a wide model: ROWS (10,000,000) reference and ROWS
 * current predictions × FEATURES (100) features, a tenth of them categorical, generated in the
 * engine. Prints and writes (sub-section `wide` of bench:drift) the generation time, the report
 * time, the time of each kind of statement the report sends, and the process's peak RSS, which
 * holds the embedded engine (chdb keeps no system.query_log for the engine's own per-query peak).
 * `ROWS=100000 FEATURES=100` is a quick run.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../app/config.js';
import { silentLogger } from '../../core/log.js';
import { startStack } from '../../app/stack.js';
import { driftModule } from '../../drift/module.js';
import { driftReport } from '../../drift/report/report.js';
import type { Store } from '../../storage/store.js';
import { machineLine, writeSubsection } from '../results.js';

const DAY = 86_400_000;
const log = (msg: string) => console.error(`[bench:drift wide] ${msg}`);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

export interface WideShape {
  numeric: string[];
  categorical: string[];
}

/** FEATURES names: a tenth (at least one) categorical `c…`, the rest numerical `x…`. */
export function wideShape(features: number): WideShape {
  const cats = Math.max(1, Math.round(features / 10));
  const pad = (i: number) => String(i).padStart(3, '0');
  return { numeric: Array.from({ length: features - cats }, (_, i) => `x${pad(i)}`), categorical: Array.from({ length: cats }, (_, j) => `c${pad(j)}`) };
}

/**
 * One side of the wide model `wide` in the engine: numerical feature i is N(i mod 10, 1) from one
 * hash per value (Irwin–Hall of four 16-bit uniforms, so no log/cos per value), the current side
 * shifted by 0.1 sd on every 5th feature; categorical feature j has 4 + j mod 8 categories, the current
 * side skewed on every 3rd. One row in 200 lacks x000 (a missing value).
 */
export async function generateWide(store: Store, shape: WideShape, side: 0 | 1, rows: number, startMs: number): Promise<void> {
  const u = (k: number) => `bitAnd(bitShiftRight(h, ${16 * k}), 65535) / 65536`;
  const z = `(${u(0)} + ${u(1)} + ${u(2)} + ${u(3)} - 2) * sqrt(3)`;
  const shift = side === 1 ? `if(i % 5 = 0, 0.1, 0)` : '0';
  const nums = `arrayMap(i -> (i % 10) + ${shift} + (cityHash64(${side}, number, i) AS h, ${z}).2, range(${shape.numeric.length}))`;
  const skew = side === 1 ? `if(j % 3 = 0, 1.5, 1)` : '1';
  const cats = `arrayMap(j -> concat('v', toString(toUInt32(floor(pow((cityHash64(${side}, number, 1000 + j) % 1048576) / 1048576, ${skew}) * (4 + j % 8))))), range(${shape.categorical.length}))`;
  await store.command(
    `INSERT INTO ${store.database}.predictions (model, model_version, prediction_id, ts, num_features, cat_features, null_features, prediction_num, prediction_cat, score, latency_ms, status, segments, received_at)
     SELECT 'wide', 'v1', concat('${side}-', toString(number)),
       fromUnixTimestamp64Milli(toInt64(${startMs} + intDiv(number * 86400000, ${rows})), 'UTC'),
       if(missing, mapFromArrays(arrayPopFront({num:Array(String)}), arrayPopFront(${nums})), mapFromArrays({num:Array(String)}, ${nums})),
       mapFromArrays({cat:Array(String)}, ${cats}),
       if(missing, [{num:Array(String)}[1]], []),
       NULL, NULL, NULL, NULL, 'ok', map(), now64(3)
     FROM (SELECT number, number % 200 = 7 AS missing FROM numbers(${rows}))`,
    { num: shape.numeric, cat: shape.categorical },
  );
}

// What a statement of a report is, from its text (else its first words).
const KINDS: [RegExp, string][] = [
  [/LIMIT \{maxCategories/, 'inventory (rows, nulls, categories)'],
  [/INSERT INTO \S+drift_tmp_\w+ SELECT s, k, v, ch/, 'copy of the numeric values into memory'],
  [/INSERT INTO \S+drift_tmp_\w+ SELECT s, ch, z1/, 'multivariate: sampled standardised rows into memory'],
  [/^(CREATE|DROP) TABLE/, 'temporary tables'],
  [/quantilesExactInclusiveIf/, 'numeric profile (counts, std, quantiles)'],
  [/SELECT k, countIf\(s = 0\) AS n0 FROM/, 'numeric profile: reference values per feature (to group)'],
  [/groupArray\(\(key, c0, c1, clo, chi\)\)/, 'cells (W1, KS bound, bins)'],
  [/transform\(id, \{ids/, 'refinement of edge and KS cells'],
  [/kolmogorovSmirnovTest/, 'KS aggregate fallback'],
  [/\{bounds:Array|quantilesExact.*toUnixTimestamp64Milli|chunk/i, 'chunk bounds / learned thresholds'],
  [/AS r FROM/, 'multivariate Σz, Σzzᵀ'],
  [/dotProduct\(zc/, 'multivariate reconstruction errors'],
  [/LIMIT \{mv_size/, 'MMD sample: pick rows'],
  [/mv_rids/, 'MMD sample: read vectors'],
  [/ARRAY JOIN em\.keys/, 'embeddings: names and dimensions'],
  [/em\[\{em_name/, 'embeddings'],
];
const kindOf = (sql: string) => KINDS.find(([re]) => re.test(sql))?.[1] ?? sql.replace(/\s+/g, ' ').trim().slice(0, 60);

interface Step {
  kind: string;
  n: number;
  ms: number;
  /** Peak RSS of the process after the statement (maxRSS is a running peak, so the statement that raised it shows). */
  rss: number;
}

/**
 * Times every statement the store runs while `fn` runs, by kind (chdb keeps no system.query_log, so
 * the engine's own per-query memory is not available; the process's peak RSS holds the engine's).
 */
async function stepsOf<T>(store: Store, fn: () => Promise<T>): Promise<{ value: T; steps: Step[] }> {
  const steps = new Map<string, Step>();
  // Only the report's own statements: the stack's jobs share the store (and wait for it meanwhile).
  const mine = new AsyncLocalStorage<true>();
  const query = store.query;
  const command = store.command;
  const wrap = <F extends (sql: string, params?: never) => Promise<unknown>>(f: F) =>
    (async (sql: string, params?: never) => {
      if (!mine.getStore()) return f.call(store, sql, params);
      const t = performance.now();
      try {
        return await f.call(store, sql, params);
      } finally {
        const kind = kindOf(sql);
        const st = steps.get(kind) ?? { kind, n: 0, ms: 0, rss: 0 };
        st.n++;
        st.ms += performance.now() - t;
        st.rss = Math.max(st.rss, process.resourceUsage().maxRSS * 1024);
        steps.set(kind, st);
      }
    }) as unknown as F;
  store.query = wrap(query as never) as typeof store.query;
  store.command = wrap(command as never) as typeof store.command;
  try {
    const value = await mine.run(true, fn);
    return { value, steps: [...steps.values()].sort((a, b) => b.ms - a.ms) };
  } finally {
    store.query = query;
    store.command = command;
  }
}

/** Runs the wide case and writes its sub-section of bench:drift. */
export async function runWide(): Promise<void> {
  const rows = Number(process.env.ROWS ?? 10_000_000);
  const shape = wideShape(Number(process.env.FEATURES ?? 100));
  const features = shape.numeric.length + shape.categorical.length;
  const dir = mkdtempSync(join(tmpdir(), 'mlobs-bench-wide-'));
  const config = validateConfig({ server: { port: 0 }, storage: { dataDir: join(dir, 'data') } });
  const stack = await startStack(config, { logger: silentLogger, modules: [driftModule] });
  const ref = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;
  const cur = ref + DAY;
  try {
    const t0 = performance.now();
    await generateWide(stack.store, shape, 0, rows, ref);
    await generateWide(stack.store, shape, 1, rows, cur);
    const genS = (performance.now() - t0) / 1000;
    // Background merges of the fresh parts would compete with the first report only: wait them out.
    const m0 = performance.now();
    for (;;) {
      const [m] = await stack.store.query<{ n: string }>(`SELECT count() AS n FROM system.merges WHERE database = {db:String} AND table = 'predictions'`, { db: stack.store.database });
      if (Number(m?.n ?? 0) === 0) break;
      if (performance.now() - m0 > 30 * 60_000) {
        log('background merges still running after 30 min: timing the report anyway');
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    const mergeS = (performance.now() - m0) / 1000;
    log(`background merges done after ${mergeS.toFixed(0)} s more`);
    const rssGen = process.resourceUsage().maxRSS * 1024;
    log(`generated 2 × ${rows} rows × ${features} features in ${genS.toFixed(1)} s, peak RSS so far ${mib(rssGen)}`);

    const req = { model: 'wide', fromMs: cur, toMs: cur + DAY, reference: { type: 'window' as const, from: ref, to: ref + DAY } };
    const timed = async (cfg: typeof config.drift) => {
      const t = performance.now();
      const { value: report, steps } = await stepsOf(stack.store, () => driftReport({ store: stack.store, config: cfg }, req));
      const ms = performance.now() - t;
      for (const st of steps) log(`  ${st.kind}: ${st.n} × ${(st.ms / 1000).toFixed(1)} s, peak RSS ${mib(st.rss)}`);
      return { report, ms, steps };
    };
    const withMv = await timed(config.drift);
    const rssReport = process.resourceUsage().maxRSS * 1024;
    log(`default report ${(withMv.ms / 1000).toFixed(1)} s, peak RSS ${mib(rssReport)}`);
    // The multivariate methods' share, from their statements; up to 1M rows a side also a report without them.
    const mvMs = withMv.steps.filter((st) => /^(multivariate|MMD)/.test(st.kind)).reduce((a, st) => a + st.ms, 0);
    let plainMs: number | null = null;
    if (rows <= 1_000_000) {
      const t = performance.now();
      await driftReport({ store: stack.store, config: { ...config.drift, multivariate: { ...config.drift.multivariate, methods: [] } } }, req);
      plainMs = performance.now() - t;
      log(`without multivariate ${(plainMs / 1000).toFixed(1)} s`);
    }
    const mvr = withMv.report.multivariate;
    const lines = [
      '### Wide model',
      '',
      machineLine('embedded engine (chdb)'),
      `Data: ${rows.toLocaleString('en-US')} reference and ${rows.toLocaleString('en-US')} current predictions of one model × ${features} features (${shape.numeric.length} numerical, ${shape.categorical.length} categorical with 4–11 categories), generated in the engine in ${genS.toFixed(0)} s; the report started once the engine's background merges of them were done (${mergeS.toFixed(0)} s later).`,
      `Measured: the default report (\`driftReport\` in process, one method per feature by the default rule, multivariate pca_error + mmd on), once; every statement it sends to the engine timed.`,
      '',
      '| | time | features drifted |',
      '|---|---|---|',
      `| default report (multivariate on) | ${(withMv.ms / 1000).toFixed(1)} s | ${withMv.report.dataset.features_drifted} of ${withMv.report.dataset.features_evaluated} |`,
      `| of which the multivariate statements (pca_error on at most ${config.drift.multivariate.maxRows.toLocaleString('en-US')} sampled rows a side, mmd on ${config.drift.mmd.sampleSize} + ${config.drift.mmd.sampleSize}) | ${(mvMs / 1000).toFixed(1)} s | |`,
      ...(plainMs !== null ? [`| the same report without multivariate | ${(plainMs / 1000).toFixed(1)} s | |`] : []),
      '',
      `Multivariate: ${mvr ? `${mvr.columns.length} columns; ${mvr.results.map((r) => `${r.method} ${r.statistic === null ? r.message : `${r.statistic.toPrecision(4)}${r.drifted ? ' (drifted)' : ' (no drift)'}`}`).join('; ')}` : 'off'}.`,
      '',
      `Peak memory: process peak RSS (Node and the embedded engine in it) ${mib(rssGen)} after generation, ${mib(rssReport)} after the report; the engine's own per-query peak is not available (chdb keeps no system.query_log).`,
      '',
      'Time per statement of the default report (the heaviest first; peak RSS of the process after it, a running peak):',
      '',
      '| statement | runs | time | peak RSS after |',
      '|---|---|---|---|',
      ...withMv.steps.map((p) => `| ${p.kind.replace(/\|/g, '\\|')} | ${p.n} | ${(p.ms / 1000).toFixed(1)} s | ${mib(p.rss)} |`),
    ];
    writeSubsection('drift', 'wide', lines.join('\n'));
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
