/**
 * Multivariate drift (feature `@multivariate`): PCA reconstruction error (NannyML) and MMD
 * (alibi-detect) over the standardised input features taken together, so drift that only shows in
 * how features move together (a correlation that flips) is caught. The engine sums; Node sees a d×d
 * matrix, per-chunk means and a bounded sample (engine/multivariate.ts).
 */
import type { Store } from '../../storage/store.js';
import type { DriftConfig } from '../config.js';
import type { Collected } from '../engine/collect.js';
import { chunkErrors, columnCount, columnNames, numericMoments, referenceMoments, rowSample, vectorSample, vectorSql, withStandardised, type ColumnPlan, type RowSample } from '../engine/multivariate.js';
import { bothSides, type SideSpec, type SourceScope, type Sql } from '../engine/source.js';
import { chunkBand, fitPca, mmdTest } from '../stats/index.js';
import { timeBounds } from './learned.js';
import { OTHER_CATEGORIES } from './methods.js';
import type { MultivariateReport, VectorMethodResult } from './types.js';

import { MULTIVARIATE_FEATURE } from '../../core/contracts/drift-results.js';
export { MULTIVARIATE_FEATURE };
export const IMPUTATION = 'a missing or non-finite number is the reference mean (z = 0); a missing or other category is no category (all its one-hot columns 0)';

export function vectorResult(method: VectorMethodResult['method'], status: VectorMethodResult['status'], message: string | null, extra: Partial<VectorMethodResult> = {}): VectorMethodResult {
  return { method, status, message, statistic: null, p_value: null, threshold: null, threshold_lower: null, drifted: null, details: {}, ...extra };
}

/** A side spec with reference chunks for the band (time slices of a window, row slices of an upload). */
export async function chunkedSources(store: Store, ref: SideSpec, cur: SideSpec, scope: SourceScope, chunks: number): Promise<Sql> {
  const chunkBounds = ref.kind === 'window' ? await timeBounds(store, ref, scope, chunks) : undefined;
  return bothSides(ref, cur, { ...scope, chunks, chunkBounds });
}

/** The columns: numerical input features with a spread on the reference, then one-hot columns of the top categories. */
async function plan(store: Store, src: Sql, collected: Collected, cfg: DriftConfig): Promise<ColumnPlan> {
  const inputs = [...collected.features.values()].filter((f) => !f.name.startsWith('@'));
  const numericNames = inputs.filter((f) => f.reference.type === 'numerical' && f.current.type !== 'categorical').map((f) => f.name);
  // The per-feature profile already holds the reference mean and std (one scan saved); a feature
  // without one (none in practice) is read here.
  const moments = new Map<string, { n: number; mean: number; std: number }>();
  for (const name of numericNames) {
    const p = collected.features.get(name)?.profile;
    if (p && p.refMean !== null && p.refStd !== null) moments.set(name, { n: p.n0, mean: p.refMean, std: p.refStd });
  }
  const unread = numericNames.filter((n) => !moments.has(n));
  if (unread.length) for (const [k, m] of await numericMoments(store, src, unread)) moments.set(k, m);
  const numeric = numericNames.flatMap((name) => {
    const m = moments.get(name);
    return m && m.n > 0 && m.std > 0 && Number.isFinite(m.std) ? [{ name, mean: m.mean, std: m.std }] : [];
  });
  const onehot: ColumnPlan['onehot'] = [];
  const rows = collected.referenceRows;
  for (const f of inputs) {
    if (f.reference.type !== 'categorical' || !f.categories || rows === 0) continue;
    const top = [...f.categories].filter(([v, [r]]) => v !== OTHER_CATEGORIES && r > 0).sort((a, b) => b[1][0] - a[1][0] || (a[0] < b[0] ? -1 : 1)).slice(0, cfg.multivariate.topCategories);
    for (const [value, [r]] of top) {
      const p = r / rows;
      if (p > 0 && p < 1) onehot.push({ name: f.name, value, mean: p, std: Math.sqrt(p * (1 - p)) });
    }
  }
  const max = cfg.multivariate.maxColumns;
  return { numeric: numeric.slice(0, max), onehot: onehot.slice(0, Math.max(0, max - numeric.length)) };
}

export async function multivariateReport(store: Store, ref: SideSpec, cur: SideSpec, scope: SourceScope, collected: Collected, cfg: DriftConfig): Promise<MultivariateReport | null> {
  const mv = cfg.multivariate;
  if (mv.methods.length === 0) return null;
  const src = await chunkedSources(store, ref, cur, scope, mv.chunks);
  const cols = await plan(store, src, collected, cfg);
  const report: MultivariateReport = { feature: MULTIVARIATE_FEATURE, columns: columnNames(cols), imputation: IMPUTATION, results: [] };
  const d = columnCount(cols);
  const few = collected.referenceRows < cfg.minValues || collected.currentRows < cfg.minValues;
  const sample = rowSample([collected.referenceRows, collected.currentRows], mv.maxRows, cfg.mmd.seed);
  if (sample.keep.some((k) => k < 2 ** 32)) report.sampled = { max_rows: mv.maxRows, seed: cfg.mmd.seed };
  for (const method of mv.methods) {
    if (d < 2) report.results.push(vectorResult(method, 'insufficient_data', `${d} usable column(s) (numerical features with a spread, one-hot categories); the multivariate methods need 2`));
    else if (few) report.results.push(vectorResult(method, 'insufficient_data', `reference ${collected.referenceRows} rows, current ${collected.currentRows}; need ${cfg.minValues} each`));
    else if (method === 'pca_error') report.results.push(await pcaError(store, src, cols, cfg, sample));
    else {
      const v = vectorSql(src, cols);
      report.results.push(await mmdResult(store, v.src, v.vector, cfg, [collected.referenceRows, collected.currentRows]));
    }
  }
  return report;
}

async function pcaError(store: Store, src: Sql, cols: ColumnPlan, cfg: DriftConfig, sample: RowSample): Promise<VectorMethodResult> {
  const d = columnCount(cols);
  // The standardised rows are copied into memory once when bounded (at most about maxRows a side).
  const pass = await withStandardised(store, src, cols, sample, cfg.multivariate.maxRows > 0, async (z) => {
    const { n, sum, cov } = await referenceMoments(store, z, d);
    const fit = fitPca(cov, cfg.multivariate.varianceShare);
    if (!fit.ok) return { fit } as const;
    const center = sum.map((v) => v / n);
    return { fit, cov, errors: await chunkErrors(store, z, d, fit.components, center) } as const;
  });
  const fit = pass.fit;
  if (!fit.ok) return vectorResult('pca_error', fit.reason === 'degenerate' ? 'degenerate' : 'insufficient_data', fit.detail);
  const { cov, errors } = pass as Extract<typeof pass, { errors: unknown }>;
  const chunks = errors.filter((e) => e.s === 0 && e.n >= cfg.minValues);
  const current = errors.find((e) => e.s === 1);
  const details = { components: fit.kept, columns: cov.length, explained_variance: fit.explained, chunk_errors: chunks.map((c) => c.error) };
  if (!current) return vectorResult('pca_error', 'insufficient_data', 'the current window has no rows', { details });
  const band = chunkBand(chunks.map((c) => c.error), cfg.multivariate.sigmas);
  if (!band.ok) return vectorResult('pca_error', 'insufficient_data', `${band.detail} (chunks with >= ${cfg.minValues} rows)`, { statistic: current.error, details });
  return vectorResult('pca_error', 'ok', null, {
    statistic: current.error,
    threshold: band.upper,
    threshold_lower: band.lower,
    drifted: current.error > band.upper || current.error < band.lower,
    details: { ...details, reference_mean_error: band.mean, reference_std_error: band.std },
  });
}

/** MMD on seeded samples of `vector` (any SQL array expression over the source). */
export async function mmdResult(store: Store, src: Sql, vector: Sql, cfg: DriftConfig, rows?: [number, number]): Promise<VectorMethodResult> {
  const { sampleSize, permutations, seed, threshold } = cfg.mmd;
  const sample = await vectorSample(store, src, vector, sampleSize, seed, rows);
  const r = mmdTest(sample.reference, sample.current, { permutations, seed });
  const details = { sample_reference: sample.reference.length, sample_current: sample.current.length, permutations, seed };
  if (!r.ok) return vectorResult('mmd', r.reason === 'degenerate' ? 'degenerate' : 'insufficient_data', r.detail, { details });
  return vectorResult('mmd', 'ok', null, { statistic: r.mmd2, p_value: r.pValue, threshold, drifted: r.pValue < threshold, details: { ...details, sigma: r.sigma } });
}
