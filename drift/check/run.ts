/**
 * `mlobs drift check` without a running stack: an embedded engine in a throw-away directory reads
 * both files natively and the report runs the stack's passes (engine/collect.ts) and per-feature
 * logic (report/feature.ts) on them; then the checks (checks.ts) are evaluated.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlobsError } from '../../core/errors.js';
import { openStore } from '../../storage/clickhouse.js';
import type { Store } from '../../storage/store.js';
import { collect, type Collected } from '../engine/collect.js';
import type { Sql } from '../engine/source.js';
import { numericStream } from '../engine/streams.js';
import { featureReports } from '../report/report.js';
import { datasetVerdict } from '../report/verdict.js';
import type { DriftReport } from '../report/types.js';
import { evaluateChecks, type CheckResult, type ChecksFile, type NewCategorySummary, type RangeSummary } from './checks.js';
import { describeFile, fileSideSql, type ColumnRoles, type FileSide } from './files.js';

export interface CheckRun {
  report: DriftReport;
  results: CheckResult[];
  collected: Collected;
  reference: FileSide;
  current: FileSide;
  /** Columns left out (unsupported types), in words. */
  notes: string[];
}

/** Reference min/max per numerical feature and the current values outside them (or outside YAML bounds). */
async function ranges(store: Store, src: Sql, checks: ChecksFile): Promise<Map<string, RangeSummary>> {
  const stream = numericStream(src);
  const own = Object.entries(checks.checks.features).filter(([, f]) => f.value_range);
  const rows = await store.query<{ k: string; lo: number; hi: number; below: string; above: string; n: string }>(
    `SELECT k, any(r.lo) AS lo, any(r.hi) AS hi,
       countIf(v < if(has({ok:Array(String)}, k), {olo:Array(Float64)}[indexOf({ok:Array(String)}, k)], r.lo)) AS below,
       countIf(v > if(has({ok:Array(String)}, k), {ohi:Array(Float64)}[indexOf({ok:Array(String)}, k)], r.hi)) AS above,
       count() AS n
     FROM (SELECT k, v FROM ${stream} WHERE s = 1 AND k NOT LIKE '@%') AS c
     INNER JOIN (SELECT k, min(v) AS lo, max(v) AS hi FROM ${stream} WHERE s = 0 GROUP BY k) AS r USING (k)
     GROUP BY k`,
    {
      ...src.params,
      ok: own.map(([k]) => k),
      olo: own.map(([, f]) => f.value_range!.min ?? -Number.MAX_VALUE),
      ohi: own.map(([, f]) => f.value_range!.max ?? Number.MAX_VALUE),
    },
  );
  return new Map(rows.map((r) => [r.k, { refMin: Number(r.lo), refMax: Number(r.hi), below: Number(r.below), above: Number(r.above), values: Number(r.n) }]));
}

/** From the inventory's category counts (the most frequent maxCategories; the rest are in the totals). */
function newCategories(collected: Collected): Map<string, NewCategorySummary> {
  const out = new Map<string, NewCategorySummary>();
  for (const f of collected.features.values()) {
    if (!f.categories) continue;
    let newValues = 0;
    let largest: NewCategorySummary['largest'] = null;
    for (const [k, [r, c]] of f.categories) {
      if (r > 0 || c === 0) continue;
      newValues += c;
      if (!largest || c > largest.count) largest = { category: k, count: c };
    }
    out.set(f.name, { values: f.current.categorical, referenceValues: f.reference.categorical, newValues, largest });
  }
  return out;
}

/** Reading progress: bytes of both files read so far, rows staged, and both files' sizes. */
export interface CheckProgress {
  bytes: number;
  rows: number;
  totalBytes: number;
}

/**
 * Bytes this process has read so far (`rchar` of /proc/self/io, Linux, where the embedded engine
 * runs): counts read() and pread() alike, so it moves for CSV and for Parquet's ranged reads,
 * whichever engine thread reads. Nothing else reads much while a file is staged. null without /proc.
 */
function bytesRead(): number | null {
  try {
    const m = /^rchar:\s*(\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Copies one file into a MergeTree table on the engine's (temporary) disk, as the columns of
 * engine/source.ts: the passes then read the native format instead of parsing CSV or JSON four or
 * five times, and memory stays bounded whatever the file's size.
 */
async function stage(store: Store, side: 0 | 1, file: FileSide, roles: ColumnRoles, tick: (bytes: number, rows: number) => void): Promise<number> {
  const table = `${store.database}.side${side}`;
  const src = fileSideSql(side, file, roles);
  const base = bytesRead();
  const timer = setInterval(() => {
    const now = bytesRead();
    if (base !== null && now !== null) tick(Math.min(file.bytes, now - base), 0);
  }, 200);
  try {
    // pread rather than mmap: the reads are then counted in rchar, for the progress line.
    await store.command(`CREATE TABLE ${table} ENGINE = MergeTree ORDER BY tuple() AS ${src.sql} SETTINGS storage_file_read_method = 'pread'`, src.params);
  } catch (e) {
    throw new MlobsError(`${file.path}: cannot be read as ${file.format}: ${(e as Error).message.split('\n')[0]}`, { reason: 'bad_input', retryable: false });
  } finally {
    clearInterval(timer);
  }
  const [row] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${table}`);
  return Number(row?.n ?? 0);
}

export interface CheckOptions {
  referencePath: string;
  currentPath: string;
  checks: ChecksFile;
  /** Where the embedded engine keeps its (temporary) data; a fresh temp directory by default. */
  workDir?: string;
  onProgress?: (p: CheckProgress) => void;
}

/** Runs the comparison and the checks; throws MlobsError `bad_input` for unreadable files. */
export async function runCheck(opts: CheckOptions): Promise<CheckRun> {
  const started = performance.now();
  const dir = opts.workDir ?? mkdtempSync(join(tmpdir(), 'mlobs-check-'));
  const store = await openStore({ dataDir: dir, database: 'mlobs_check' });
  try {
    const reference = await describeFile(store, opts.referencePath);
    const current = await describeFile(store, opts.currentPath);
    const roles = opts.checks.columns;
    const notes = [reference, current].flatMap((f) => f.columns.filter((c) => c.kind === 'unsupported').map((c) => `${f.path}: column ${c.name} (${c.type}) is left out: only numbers, strings and booleans are compared`));
    const totalBytes = reference.bytes + current.bytes;
    const report_ = (bytes: number, rows: number) => opts.onProgress?.({ bytes, rows, totalBytes });
    const refRows = await stage(store, 0, reference, roles, (b) => report_(b, 0));
    report_(reference.bytes, refRows);
    const curRows = await stage(store, 1, current, roles, (b) => report_(reference.bytes + b, refRows));
    report_(totalBytes, refRows + curRows);
    const src: Sql = { sql: `(SELECT * FROM ${store.database}.side0 UNION ALL SELECT * FROM ${store.database}.side1)`, params: {} };
    const cfg = opts.checks.drift;
    const collected = await collect(store, src, cfg);
    const features = featureReports(collected, { cfg, model: undefined, requested: cfg.methods });
    const report: DriftReport = {
      model: current.path,
      window: { from: current.path, to: current.path, rows: collected.currentRows },
      reference: { type: 'upload', version: reference.path, rows: collected.referenceRows },
      segment: null,
      methods: cfg.methods,
      dataset: datasetVerdict(features, cfg.dataset),
      features,
      problems: [
        ...(collected.currentRows === 0 ? [`${current.path} holds no rows`] : []),
        ...(collected.referenceRows === 0 ? [`${reference.path} holds no rows`] : []),
        ...notes,
      ],
      elapsed_ms: 0,
    };
    const results = evaluateChecks({ report, ranges: await ranges(store, src, opts.checks), categories: newCategories(collected), checks: opts.checks });
    report.elapsed_ms = Math.round(performance.now() - started);
    return { report, results, collected, reference, current, notes };
  } finally {
    await store.close();
    if (!opts.workDir) rmSync(dir, { recursive: true, force: true });
  }
}
