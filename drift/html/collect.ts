/**
 * Gathers over HTTP what the HTML report draws, like every `mlobs drift` command (one process
 * owns a data dir, so the CLI never opens it): the report from GET /v1/drift/report, quality from
 * GET /v1/drift/quality, and through the read-only POST /v1/sql the distributions the report's
 * details do not carry and the scheduled results in `drift_results`. The SQL reads the two sides
 * exactly as the report did (drift/engine/source.ts: FINAL, the label join, the segment filter).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, errorMessage } from '../../core/errors.js';
import type { StackClient } from '../../http/client.js';
import { bothSides, type SideSpec, type Sql } from '../engine/source.js';
import { PSEUDO } from '../engine/streams.js';
import type { QualityReport } from '../quality/quality.js';
import type { DriftReport, FeatureReport } from '../report/types.js';
import { driftRanking, renderDriftHtml } from './render.js';
import type { Distribution, DriftHtmlInput, HistogramData, HistoryRow } from './types.js';

/** The query string of GET /v1/drift/report (model, from, to, reference…, methods, segment…). */
export type DriftHtmlRequest = URLSearchParams | Record<string, string>;


/** Bars per histogram: enough to show a shape, few enough that paired bars stay readable. */
const TARGET_BINS = 20;
/** A numerical feature with at most this many distinct values gets one bar per value. */
const EXACT_VALUES_MAX = 12;
/** Categories drawn per feature; the rest are summed into "other". */
const TOP_CATEGORIES = 12;
/** Scheduled windows shown in the drift-over-time charts. */
const HISTORY_WINDOWS = 60;
/** Features shown in the drift-over-time heat map (the most drifted first). */
const HISTORY_FEATURES = 30;

// ClickHouse's JSON output quotes 64-bit integers; every number is read through this.
const num = (v: unknown): number | null => (v === null || v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));

function referenceSide(r: DriftReport): SideSpec | null {
  const ref = r.reference;
  if (ref.type === 'upload') return ref.version ? { kind: 'upload', version: ref.version, rows: ref.rows } : null;
  if (ref.from && ref.to) return { kind: 'window', fromMs: Date.parse(ref.from), toMs: Date.parse(ref.to), ...(ref.type === 'version' || ref.type === 'alias' ? { modelVersion: ref.version } : {}) };
  return null;
}

/** Bins of a PSI or JS result, when the report computed one for this feature. */
function binsFromDetails(f: FeatureReport): HistogramData | null {
  for (const r of f.results) {
    if ((r.method !== 'psi' && r.method !== 'js') || r.status !== 'ok') continue;
    const { edges, reference_counts: ref, current_counts: cur } = r.details as { edges?: unknown; reference_counts?: unknown; current_counts?: unknown };
    const numbers = (a: unknown): a is number[] => Array.isArray(a) && a.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (!numbers(edges) || !numbers(ref) || !numbers(cur) || ref.length !== edges.length + 1 || cur.length !== ref.length) continue;
    return { type: 'histogram', edges, lo: null, hi: null, clipped: false, scale: 'linear', reference: ref, current: cur, source: r.method };
  }
  return null;
}

/** Equal-width bins on round numbers covering [lo, hi]. */
export function niceBins(lo: number, hi: number, target = TARGET_BINS, integral = false): { start: number; step: number; bins: number } {
  if (!(hi > lo)) {
    const step = integral ? 1 : Math.abs(lo) > 0 ? Math.abs(lo) / 10 : 1;
    return { start: lo - step / 2, step, bins: 1 };
  }
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  if (integral) step = Math.max(1, Math.round(step));
  const start = Math.floor(lo / step) * step;
  // Integer values sit inside bins [start + i·step, start + (i+1)·step), so the last one needs a bin of its own;
  // continuous values on the top edge are folded into the last bin by the query.
  const bins = Math.max(1, integral ? Math.floor((hi - start) / step) + 1 : Math.ceil((hi - start) / step));
  return { start, step, bins };
}

/**
 * Numeric values as (s, k, v): feature maps plus the numeric prediction, score and label, finite
 * values only — what the report's numeric passes read. Written here rather than taken from the
 * engine, whose streams are shaped (and re-shaped) for its own passes.
 */
function numericValues(src: Sql): string {
  const pseudo = (name: string, col: string) => `if(${col} IS NULL, [], [('${name}', assumeNotNull(${col}))])`;
  return `(SELECT s, k, v FROM (
      SELECT s, k, v FROM ${src.sql} ARRAY JOIN nf.keys AS k, nf.values AS v
      UNION ALL
      SELECT s, t.1 AS k, t.2 AS v FROM ${src.sql}
      ARRAY JOIN arrayConcat(${pseudo(PSEUDO.prediction, 'pn')}, ${pseudo(PSEUDO.score, 'sc')}, ${pseudo(PSEUDO.label, 'ln')}) AS t
    ) WHERE isFinite(v))`;
}

/** Histograms (or exact-value bars) of the numerical features the report has no bins for. */
async function numericDistributions(api: StackClient, src: Sql, features: string[], out: Map<string, Distribution>): Promise<void> {
  if (features.length === 0) return;
  const stream = numericValues(src);
  const stats = await api.sql<{ k: string; mn: unknown; mx: unknown; q: unknown[]; distinct: unknown; integral: unknown }>(
    `SELECT k, min(v) AS mn, max(v) AS mx, quantiles(0.005, 0.5, 0.995)(v) AS q, uniqUpTo(${EXACT_VALUES_MAX})(v) AS distinct, min(v = round(v)) AS integral
     FROM ${stream} WHERE has({feats:Array(String)}, k) GROUP BY k`,
    { ...src.params, feats: features },
  );
  const exact: string[] = [];
  const binned: { k: string; start: number; step: number; bins: number; log: boolean; clipped: boolean }[] = [];
  for (const s of stats) {
    const mn = num(s.mn)!;
    const mx = num(s.mx)!;
    if (Number(s.distinct) <= EXACT_VALUES_MAX) {
      exact.push(s.k);
      continue;
    }
    const [q0, med, q1] = [num(s.q[0]) ?? mn, num(s.q[1]) ?? (mn + mx) / 2, num(s.q[2]) ?? mx];
    const integral = Number(s.integral) === 1;
    // A positive feature with a long right tail (amounts, durations) would sit in the first bar or two on a linear axis.
    const log = !integral && mn > 0 && q0 > 0 && q1 / q0 > 20 && q1 - med > 8 * (med - q0);
    // Extreme tails would squeeze the body into one bar: then the axis spans the 0.5–99.5% quantiles and the outer bins hold the rest.
    const t = (v: number) => (log ? Math.log10(v) : v);
    const clipped = q1 > q0 && t(mx) - t(mn) > 4 * (t(q1) - t(q0));
    const [lo, hi] = clipped ? [t(q0), t(q1)] : [t(mn), t(mx)];
    binned.push({ k: s.k, ...niceBins(lo, hi, TARGET_BINS, integral), log, clipped });
  }
  if (binned.length) {
    const rows = await api.sql<{ k: string; s: unknown; b: unknown; c: unknown }>(
      `SELECT k, s, toInt32(least(greatest(floor((if(transform(k, {feats:Array(String)}, {logs:Array(Float64)}, 0.) = 1, log10(v), v) - transform(k, {feats:Array(String)}, {starts:Array(Float64)}, 0.))
                                                   / transform(k, {feats:Array(String)}, {steps:Array(Float64)}, 1.)), 0),
                                   transform(k, {feats:Array(String)}, {bins:Array(Float64)}, 1.) - 1)) AS b, count() AS c
       FROM ${stream} WHERE has({feats:Array(String)}, k) GROUP BY k, s, b`,
      { ...src.params, feats: binned.map((b) => b.k), logs: binned.map((b) => +b.log), starts: binned.map((b) => b.start), steps: binned.map((b) => b.step), bins: binned.map((b) => b.bins) },
    );
    for (const b of binned) {
      const at = (i: number) => (b.log ? 10 ** (b.start + b.step * i) : b.start + b.step * i);
      const h: HistogramData = {
        type: 'histogram',
        edges: Array.from({ length: b.bins - 1 }, (_, i) => at(i + 1)),
        lo: at(0),
        hi: at(b.bins),
        clipped: b.clipped,
        scale: b.log ? 'log' : 'linear',
        reference: new Array(b.bins).fill(0),
        current: new Array(b.bins).fill(0),
        source: 'sql',
      };
      for (const r of rows) if (r.k === b.k) (Number(r.s) === 0 ? h.reference : h.current)[Number(r.b)]! += Number(r.c);
      out.set(b.k, h);
    }
  }
  if (exact.length) {
    const rows = await api.sql<{ k: string; v: unknown; r: unknown; c: unknown }>(
      `SELECT k, v, countIf(s = 0) AS r, countIf(s = 1) AS c FROM ${stream} WHERE has({feats:Array(String)}, k) GROUP BY k, v ORDER BY k, v`,
      { ...src.params, feats: exact },
    );
    for (const k of exact) {
      const mine = rows.filter((r) => r.k === k);
      const categories = mine.map((r) => ({ value: String(num(r.v)), reference: Number(r.r), current: Number(r.c) }));
      const sum = (side: 'reference' | 'current') => categories.reduce((a, c) => a + c[side], 0);
      out.set(k, { type: 'categories', categories, referenceTotal: sum('reference'), currentTotal: sum('current'), numeric: true });
    }
  }
}

/** The most frequent categories of each categorical feature (the prediction and the label included). */
async function categoryDistributions(api: StackClient, src: Sql, features: FeatureReport[], out: Map<string, Distribution>): Promise<void> {
  if (features.length === 0) return;
  const rows = await api.sql<{ k: string; val: string; r: unknown; c: unknown }>(
    `SELECT k, val, countIf(s = 0) AS r, countIf(s = 1) AS c FROM (
       SELECT s, k, val FROM ${src.sql} ARRAY JOIN cf.keys AS k, cf.values AS val
       UNION ALL SELECT s, '${PSEUDO.prediction}' AS k, assumeNotNull(pc) AS val FROM ${src.sql} WHERE pc IS NOT NULL
       UNION ALL SELECT s, '${PSEUDO.label}' AS k, assumeNotNull(lc) AS val FROM ${src.sql} WHERE lc IS NOT NULL
     ) WHERE has({feats:Array(String)}, k)
     GROUP BY k, val ORDER BY k, r + c DESC, val LIMIT ${TOP_CATEGORIES} BY k`,
    { ...src.params, feats: features.map((f) => f.feature) },
  );
  for (const f of features) {
    const categories = rows.filter((r) => r.k === f.feature).map((r) => ({ value: r.val, reference: Number(r.r), current: Number(r.c) }));
    // The report's value counts are the totals, so whatever is beyond the top categories shows as "other".
    out.set(f.feature, { type: 'categories', categories, referenceTotal: f.reference.values, currentTotal: f.current.values, numeric: false });
  }
}

/** Stored scheduled results of the report's features over the last windows up to the report's window. */
async function history(api: StackClient, r: DriftReport, features: string[]): Promise<HistoryRow[]> {
  const table = r.segment ? 'drift_segment_results' : 'drift_results';
  const seg = r.segment ? ' AND segment_name = {sn:String} AND segment_value = {sv:String}' : '';
  const where = `model = {m:String} AND window_start < fromUnixTimestamp64Milli({to:Int64}, 'UTC')${seg}`;
  const rows = await api.sql<Record<string, unknown>>(
    `SELECT toUnixTimestamp64Milli(window_start) AS ws, toUnixTimestamp64Milli(window_end) AS we, feature, method, value, threshold, drifted, status
     FROM ${table} FINAL
     WHERE ${where} AND status != 'superseded' AND (has({feats:Array(String)}, feature) OR feature IN ('@dataset', '@quality'))
       AND window_end >= (SELECT min(we) FROM (SELECT DISTINCT window_end AS we FROM ${table} WHERE ${where} ORDER BY we DESC LIMIT ${HISTORY_WINDOWS}))
     ORDER BY we, ws, feature, method`,
    { m: r.model, to: Date.parse(r.window.to), feats: features, sn: r.segment?.name ?? '', sv: r.segment?.value ?? '' },
  );
  return rows.map((x) => ({
    windowStartMs: Number(x.ws),
    windowEndMs: Number(x.we),
    feature: String(x.feature),
    method: String(x.method),
    value: num(x.value),
    threshold: num(x.threshold),
    drifted: x.drifted === null ? null : Number(x.drifted) === 1,
    status: String(x.status),
  }));
}

async function quality(api: StackClient, r: DriftReport, from: string, to: string): Promise<QualityReport> {
  const q = new URLSearchParams({ model: r.model, from, to });
  return api.call<QualityReport>(`/v1/drift/quality?${q}`);
}

/** Everything renderDriftHtml needs, fetched from a running stack through `api`; throws ConfigError when the report itself cannot be had. */
export async function collectDriftHtmlInput(api: StackClient, request: DriftHtmlRequest): Promise<DriftHtmlInput> {
  const q = new URLSearchParams(request);
  const report = await api.call<DriftReport>(`/v1/drift/report?${q}`);
  const notes: string[] = [];
  // Charts and history are extras: a refused query leaves a note on the page instead of no page at all.
  const attempt = async <T>(what: string, fn: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      notes.push(`${what}: ${errorMessage(e)}`);
      return fallback;
    }
  };

  const distributions = new Map<string, Distribution>();
  const refSide = referenceSide(report);
  const needsSql: FeatureReport[] = [];
  for (const f of report.features) {
    const bins = f.type === 'numerical' ? binsFromDetails(f) : null;
    if (bins) distributions.set(f.feature, bins);
    else if (f.type && f.reference.values + f.current.values > 0) needsSql.push(f);
  }
  if (needsSql.length && refSide) {
    await attempt('distributions', async () => {
      const [{ db } = { db: '' }] = await api.sql<{ db: string }>('SELECT currentDatabase() AS db');
      const src = bothSides(
        refSide,
        { kind: 'window', fromMs: Date.parse(report.window.from), toMs: Date.parse(report.window.to), modelVersion: report.window.version },
        { db, model: report.model, withLabels: report.features.some((f) => f.kind === 'label'), segment: report.segment ?? undefined },
      );
      await numericDistributions(api, src, needsSql.filter((f) => f.type === 'numerical').map((f) => f.feature), distributions);
      await categoryDistributions(api, src, needsSql.filter((f) => f.type === 'categorical'), distributions);
    }, undefined);
  }

  const ranked = driftRanking(report.features).slice(0, HISTORY_FEATURES).map((f) => f.feature);
  const rows = await attempt('drift over time', () => history(api, report, ranked), [] as HistoryRow[]);

  const ref = report.reference;
  const [current, reference] = await Promise.all([
    attempt('quality of the current window', () => quality(api, report, report.window.from, report.window.to), null),
    // An uploaded reference has no stored predictions to score, only a window does.
    ref.type !== 'upload' && ref.from && ref.to && !report.segment ? attempt('quality of the reference', () => quality(api, report, ref.from!, ref.to!), null) : Promise.resolve(null),
  ]);
  // Quality of the whole model says nothing about one segment's report, so a segment report leaves it out.
  return { report, distributions, history: rows, quality: report.segment ? { current: null, reference: null } : { current, reference }, generatedAt: new Date().toISOString(), notes };
}

/** Writes the HTML report of `request` (the /v1/drift/report query) from the stack behind `api` to `outPath`; resolves to what the CLI prints. */
export async function writeDriftHtml(api: StackClient, request: DriftHtmlRequest, outPath: string): Promise<{ path: string; bytes: number; report: DriftReport }> {
  const input = await collectDriftHtmlInput(api, request);
  const html = renderDriftHtml(input);
  const path = resolve(outPath);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, html);
  } catch (e) {
    throw new ConfigError(`cannot write ${outPath}: ${errorMessage(e)}`);
  }
  return { path, bytes: Buffer.byteLength(html), report: input.report };
}
