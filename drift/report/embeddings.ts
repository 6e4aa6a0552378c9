/**
 * Embedding drift (features `@embedding:<name>`), after Evidently's embedding drift methods: `mmd`
 * on seeded samples, `distance` between the sides' mean vectors with a threshold learned from the
 * reference chunks (mean + sigmas·std of each chunk's distance to the whole reference), and `ratio`,
 * the share of components whose KS test drifted after a multiple-testing correction.
 * Vectors whose length differs from the name's dimension (the reference's most common one) are
 * counted in `other_dimension` and left out.
 */
import type { Store } from '../../storage/store.js';
import type { DriftConfig } from '../config.js';
import { chunkMeans, componentKs, embeddingDims, embeddingRows, embeddingSource, ksSample, type ChunkMeans, type KsSample } from '../engine/embeddings.js';
import type { SideSpec, SourceScope, Sql } from '../engine/source.js';
import { chunkBand, driftedShare, ksPValue, meanDistance } from '../stats/index.js';
import { timeBounds } from './learned.js';
import { mmdResult, vectorResult } from './multivariate.js';
import type { EmbeddingReport, VectorMethodResult } from './types.js';

import { EMBEDDING_FEATURE_PREFIX as EMBEDDING_PREFIX } from '../../core/contracts/drift-results.js';
export { EMBEDDING_PREFIX };

export async function embeddingReports(store: Store, ref: SideSpec, cur: SideSpec, scope: SourceScope, cfg: DriftConfig): Promise<EmbeddingReport[]> {
  const ec = cfg.embeddings;
  if (ec.methods.length === 0) return [];
  const chunkBounds = ref.kind === 'window' ? await timeBounds(store, ref, scope, ec.chunks) : undefined;
  const chunked = { ...scope, chunks: ec.chunks, chunkBounds };
  const dims = await embeddingDims(store, embeddingSource(ref, cur, chunked));
  const names = [...new Set(dims.map((d) => d.name))].sort();
  const out: EmbeddingReport[] = [];
  for (const name of names) {
    const mine = dims.filter((d) => d.name === name);
    // Rows are ordered by count within each side: the first reference row is the modal dimension.
    const dim = (mine.find((d) => d.s === 0) ?? mine[0]!).dim;
    const side = (s: number) => ({ rows: mine.filter((d) => d.s === s && d.dim === dim).reduce((a, d) => a + d.n, 0), other_dimension: mine.filter((d) => d.s === s && d.dim !== dim).reduce((a, d) => a + d.n, 0) });
    const report: EmbeddingReport = { feature: `${EMBEDDING_PREFIX}${name}`, name, dimension: dim, reference: side(0), current: side(1), results: [] };
    const rows = embeddingRows(embeddingSource(ref, cur, chunked, name), dim);
    // One pass gives the means (distance) and the sample's ranges (ratio's grid); read once, lazily.
    const sample = ksSample(report.reference.rows, report.current.rows, ec.ratio.sampleSize, ec.ratio.seed);
    let means: Promise<ChunkMeans[]> | undefined;
    const meansOnce = () => (means ??= chunkMeans(store, rows, sample));
    for (const method of ec.methods) {
      if (report.reference.rows < cfg.minValues || report.current.rows < cfg.minValues) {
        report.results.push(vectorResult(method, 'insufficient_data', `reference ${report.reference.rows} vectors of dimension ${dim}, current ${report.current.rows}; need ${cfg.minValues} each`));
      } else if (method === 'mmd') report.results.push(await mmdResult(store, rows, { sql: 'arrayMap(x -> toFloat64(x), v)', params: {} }, cfg));
      else if (method === 'distance') report.results.push(distanceResult(await meansOnce(), cfg));
      else report.results.push(await ratioResult(store, rows, await meansOnce(), sample, cfg));
    }
    out.push(report);
  }
  return out;
}

function distanceResult(means: ChunkMeans[], cfg: DriftConfig): VectorMethodResult {
  const metric = cfg.embeddings.distance;
  const chunks = means.filter((m) => m.s === 0);
  const current = means.find((m) => m.s === 1)!;
  const n0 = chunks.reduce((a, c) => a + c.n, 0);
  const full = current.mean.map((_, i) => chunks.reduce((a, c) => a + c.mean[i]! * c.n, 0) / n0);
  const d = meanDistance(full, current.mean, metric);
  if (!d.ok) return vectorResult('distance', d.reason === 'degenerate' ? 'degenerate' : 'insufficient_data', d.detail);
  const chunkDistances = chunks.filter((c) => c.n >= cfg.minValues).flatMap((c) => {
    const r = meanDistance(full, c.mean, metric);
    return r.ok ? [r.distance] : [];
  });
  const band = chunkBand(chunkDistances, cfg.embeddings.sigmas);
  const details = { metric, chunk_distances: chunkDistances };
  if (!band.ok) return vectorResult('distance', 'insufficient_data', `${band.detail} (chunks with >= ${cfg.minValues} vectors)`, { statistic: d.distance, details });
  return vectorResult('distance', 'ok', null, { statistic: d.distance, threshold: band.upper, drifted: d.distance >= band.upper, details });
}

async function ratioResult(store: Store, rows: Sql, means: ChunkMeans[], sample: KsSample, cfg: DriftConfig): Promise<VectorMethodResult> {
  const { alpha, correction, threshold, sampleSize, seed } = cfg.embeddings.ratio;
  const ks = await componentKs(store, rows, cfg.embeddings.cells, means, sample);
  const ps: number[] = [];
  for (const d of ks.d) {
    // The exact KS p-value costs up to ~0.5 s per component at 10,000 values; hundreds of components
    // use the asymptotic one above 1,000 values a side. The sizes are the sample's: the test is on it.
    const p = ksPValue(d, ks.n0, ks.n1, Math.max(ks.n0, ks.n1) <= 1000 ? 'auto' : 'asymp');
    if (!p.ok) return vectorResult('ratio', 'insufficient_data', p.detail);
    ps.push(p.pvalue);
  }
  const share = driftedShare(ps, alpha, correction);
  if (!share.ok) return vectorResult('ratio', 'insufficient_data', share.detail);
  return vectorResult('ratio', 'ok', null, {
    statistic: share.share,
    threshold,
    drifted: share.share >= threshold,
    details: {
      components: ps.length,
      components_drifted: share.drifted,
      alpha,
      correction,
      cells: cfg.embeddings.cells,
      // What the KS tests saw: the seeded sample (all vectors of a side no larger than sample_size).
      sample_reference: ks.n0,
      sample_current: ks.n1,
      sample_size: sampleSize,
      seed,
      statistics: ks.d,
      p_values: ps,
    },
  });
}
