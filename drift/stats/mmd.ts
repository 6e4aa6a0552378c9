/**
 * Maximum mean discrepancy with a Gaussian RBF kernel and a permutation p-value, as alibi-detect's
 * MMDDrift (backend numpy/pytorch) defines them:
 *  - kernel k(a, b) = exp(−‖a − b‖² / (2σ²));
 *  - σ by the median heuristic on the reference × current squared distances (alibi-detect's
 *    `sigma_median`): σ² = ½ · the lower median, i.e. sorted[⌊N/2⌋ − 1] of the N = n·m distances;
 *  - MMD² = Σ_{x≠x'} k/(n(n−1)) + Σ_{y≠y'} k/(m(m−1)) − 2·mean k(x, y) (the kernel matrix's
 *    diagonal zeroed: `mmd2_from_kernel_matrix`);
 *  - p = the share of permutations of the pooled sample whose MMD² is ≥ the observed one.
 * The permutations come from a seeded generator, so a report is reproducible.
 */
import { insufficient, ok, type StatResult } from './result.js';
import { seededUniform } from '../../core/random.js';

export interface MmdResult {
  mmd2: number;
  pValue: number;
  sigma: number;
  permutations: number;
}

function sqDist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/** alibi-detect's median heuristic: σ = sqrt(½ · sorted(cross distances)[⌊N/2⌋ − 1]). */
export function medianSigma(x: ArrayLike<number>[], y: ArrayLike<number>[]): number {
  const ds = new Float64Array(x.length * y.length);
  let k = 0;
  for (const a of x) for (const b of y) ds[k++] = sqDist(a, b);
  ds.sort();
  return Math.sqrt(0.5 * ds[Math.floor(ds.length / 2) - 1]!);
}

/** MMD² from the zero-diagonal kernel matrix K (row-major, N×N) with `isX[i]` marking the reference rows. */
function mmd2Of(k: Float64Array, size: number, isX: Uint8Array, n: number, m: number): number {
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let i = 0; i < size; i++) {
    const row = i * size;
    const xi = isX[i]!;
    let sx = 0;
    let sy = 0;
    for (let j = 0; j < size; j++) {
      if (isX[j]) sx += k[row + j]!;
      else sy += k[row + j]!;
    }
    if (xi) {
      xx += sx;
      xy += sy;
    } else yy += sy;
  }
  return xx / (n * (n - 1)) + yy / (m * (m - 1)) - (2 * xy) / (n * m);
}

/** MMD² and its permutation p-value between the reference sample `x` and the current sample `y`. */
export function mmdTest(x: ArrayLike<number>[], y: ArrayLike<number>[], opts: { permutations: number; seed: number; sigma?: number }): StatResult<MmdResult> {
  const n = x.length;
  const m = y.length;
  if (n < 2 || m < 2) return insufficient('insufficient_data', `MMD needs >= 2 rows per side: reference ${n}, current ${m}`);
  const dim = x[0]!.length;
  for (const [name, side] of [['reference', x], ['current', y]] as const) {
    for (let i = 0; i < side.length; i++) {
      const v = side[i]!;
      if (v.length !== dim) return insufficient('invalid_input', `${name}[${i}] has ${v.length} dimensions, expected ${dim}`);
      for (let j = 0; j < v.length; j++) if (!Number.isFinite(v[j])) return insufficient('non_finite_input', `${name}[${i}][${j}] is ${v[j]}`);
    }
  }
  if (!Number.isInteger(opts.permutations) || opts.permutations < 1) return insufficient('invalid_input', `permutations ${opts.permutations} must be a positive integer`);
  const sigma = opts.sigma ?? medianSigma(x, y);
  if (!(sigma > 0)) return insufficient('degenerate', 'the median distance between the samples is 0');
  const all = [...x, ...y];
  const size = n + m;
  const k = new Float64Array(size * size);
  const g = 1 / (2 * sigma * sigma);
  for (let i = 0; i < size; i++) {
    for (let j = i + 1; j < size; j++) {
      const v = Math.exp(-sqDist(all[i]!, all[j]!) * g);
      k[i * size + j] = v;
      k[j * size + i] = v;
    }
  }
  const isX = new Uint8Array(size);
  for (let i = 0; i < n; i++) isX[i] = 1;
  const mmd2 = mmd2Of(k, size, isX, n, m);
  const rand = seededUniform(opts.seed);
  const perm = new Uint8Array(isX);
  let atLeast = 0;
  for (let p = 0; p < opts.permutations; p++) {
    // Fisher–Yates over the side labels: a uniformly random split of the pooled rows.
    for (let i = size - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    if (mmd2Of(k, size, perm, n, m) >= mmd2) atLeast++;
  }
  return ok({ mmd2, pValue: atLeast / opts.permutations, sigma, permutations: opts.permutations });
}
