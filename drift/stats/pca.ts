/**
 * PCA reconstruction error, NannyML's multivariate drift method, from summaries only:
 *  1. numerical columns are standardised on the reference (mean, population std: sklearn's
 *     StandardScaler), so the matrix the engine sums is the reference's correlation matrix;
 *  2. PCA keeps the fewest leading components whose explained-variance ratios add up to more than
 *     `share` (sklearn's PCA(n_components=share): searchsorted(cumsum, share, 'right') + 1);
 *  3. a row's error is the Euclidean norm of its standardised vector minus its reconstruction,
 *     ‖(I − WᵀW) z‖, and a window's error is the mean over its rows.
 * Only the d×d matrix reaches this function; the eigen-decomposition is ml-matrix's (symmetric:
 * Householder tridiagonalisation + QL, as JAMA/EISPACK), and the per-row errors are computed back in
 * the engine with the residual projector this returns.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { insufficient, ok, type StatResult } from './result.js';

export interface PcaFit {
  /** Components kept (k). */
  kept: number;
  /** Explained-variance ratios of all components, descending. */
  ratios: number[];
  /** Share of the variance the kept components explain. */
  explained: number;
  /** The residual projector I − WᵀW (d×d, row-major), applied to standardised rows. */
  residual: number[][];
  /** W: the kept components (k×d), orthonormal rows, largest variance first. */
  components: number[][];
}

/**
 * Fits PCA on a covariance matrix of standardised columns (symmetric, d×d, d ≥ 1). `share` in
 * (0, 1) is the variance to keep.
 */
export function fitPca(cov: number[][], share: number): StatResult<PcaFit> {
  const d = cov.length;
  if (d === 0) return insufficient('insufficient_data', 'no columns');
  if (!(share > 0 && share < 1)) return insufficient('invalid_input', `share ${share} is outside (0, 1)`);
  for (let i = 0; i < d; i++) {
    if (cov[i]!.length !== d) return insufficient('invalid_input', `row ${i} has ${cov[i]!.length} entries, expected ${d}`);
    for (let j = 0; j < d; j++) if (!Number.isFinite(cov[i]![j])) return insufficient('non_finite_input', `cov[${i}][${j}] is ${cov[i]![j]}`);
  }
  // Symmetrise exactly: sums in the engine are symmetric up to rounding, and the symmetric solver
  // reads one triangle only.
  const m = new Matrix(cov.map((row, i) => row.map((v, j) => (v + cov[j]![i]!) / 2)));
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const vectors = evd.eigenvectorMatrix;
  const order = values.map((_, i) => i).sort((a, b) => values[b]! - values[a]!);
  // Tiny negative eigenvalues are rounding of a semi-definite matrix.
  const lambda = order.map((i) => Math.max(0, values[i]!));
  const total = lambda.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return insufficient('degenerate', 'the reference has no variance');
  const ratios = lambda.map((l) => l / total);
  let cum = 0;
  let below = 0;
  for (const r of ratios) {
    cum += r;
    if (cum <= share) below++;
  }
  const kept = Math.min(d, below + 1);
  const residual: number[][] = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
  const components: number[][] = [];
  for (let c = 0; c < kept; c++) {
    const col = order[c]!;
    const w = Array.from({ length: d }, (_, i) => vectors.get(i, col));
    components.push(w);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) residual[i]![j]! -= w[i]! * w[j]!;
  }
  return ok({ kept, ratios, explained: ratios.slice(0, kept).reduce((a, b) => a + b, 0), residual, components });
}

/** ‖R z‖ for one standardised row (the pure reference of the engine's per-row error). */
export function reconstructionError(residual: number[][], z: ArrayLike<number>): number {
  let s = 0;
  for (const row of residual) {
    let r = 0;
    for (let j = 0; j < row.length; j++) r += row[j]! * z[j]!;
    s += r * r;
  }
  return Math.sqrt(s);
}

/** Mean ± sigmas·std (population) of the reference chunks' errors: NannyML's alert band. */
export function chunkBand(xs: number[], sigmas: number): StatResult<{ mean: number; std: number; lower: number; upper: number }> {
  const v = xs.filter((x) => Number.isFinite(x));
  if (v.length < 2) return insufficient('insufficient_data', `${v.length} usable reference chunk(s), need 2`);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return ok({ mean, std, lower: mean - sigmas * std, upper: mean + sigmas * std });
}
