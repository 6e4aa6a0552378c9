/**
 * Wasserstein-1 (earth mover's) distance between one-dimensional distributions.
 *  - `wasserstein1(u, v)`: exact, between two empirical samples, as
 *    scipy.stats.wasserstein_distance(u, v): ∫ |U(t) - V(t)| dt over the pooled support.
 *  - `wassersteinFromQuantiles(qa, qb, probs)`: from the two quantile functions sampled at the
 *    same probability levels (what a database can return cheaply). W1 = ∫₀¹ |QA(p) - QB(p)| dp;
 *    we return the trapezoid estimate plus rigorous lower/upper bounds (see the function).
 *  - `wassersteinNormalized(ref, cur)`: W1 divided by the reference standard deviation
 *    (population, ddof = 0, as numpy.std), so it reads "shift in units of reference spread".
 */
import { checkSample, firstNonFinite, insufficient, ok, type StatResult } from './result.js';

function sortedCopy(xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs).sort();
}

/** Exact W1 between the empirical distributions of u and v (non-empty, finite), as SciPy. */
export function wasserstein1(u: ArrayLike<number>, v: ArrayLike<number>): StatResult<{ value: number }> {
  const bad = checkSample(u, 'u') ?? checkSample(v, 'v');
  if (bad) return bad;
  const a = sortedCopy(u);
  const b = sortedCopy(v);
  const na = a.length;
  const nb = b.length;
  // Walk distinct pooled values t_k; between t_k and t_{k+1} both ECDFs are constant.
  let i = 0;
  let j = 0;
  let sum = 0;
  let t = Math.min(a[0]!, b[0]!);
  for (;;) {
    while (i < na && a[i] === t) i++;
    while (j < nb && b[j] === t) j++;
    if (i === na && j === nb) break;
    const next = i === na ? b[j]! : j === nb ? a[i]! : Math.min(a[i]!, b[j]!);
    sum += Math.abs(i / na - j / nb) * (next - t);
    t = next;
  }
  return ok({ value: sum });
}

export interface QuantileW1 {
  /** Trapezoid estimate of ∫₀¹ |QA(p) − QB(p)| dp. Always within [lower, upper]. */
  value: number;
  /** Guaranteed lower bound on W1 given monotone quantile functions through the points. */
  lower: number;
  /** Guaranteed upper bound on W1 given monotone quantile functions through the points. */
  upper: number;
}

/**
 * W1 from quantiles qa[k] = QA(probs[k]), qb[k] = QB(probs[k]); probs defaults to k/K,
 * k = 0..K (so qa[0] is the minimum and qa[K] the maximum) and must run from 0 to 1, strictly
 * increasing. Error bound: on each cell [p_k, p_k+1] both quantile functions are monotone, so
 * |QA − QB| lies between max(0, a_k − b_k+1, b_k − a_k+1) and max(a_k+1 − b_k, b_k+1 − a_k);
 * integrating gives `lower` and `upper`, and |value − W1| <= upper − lower
 * <= (range(qa) + range(qb)) / K for an even grid. These bounds are exact for true quantile
 * functions; sample quantiles interpolated numpy-'linear' style add at most one order-statistic
 * spacing per cell, and approximate (sketch) quantiles add their own rank error.
 */
export function wassersteinFromQuantiles(
  qa: ArrayLike<number>,
  qb: ArrayLike<number>,
  probs?: ArrayLike<number>,
): StatResult<QuantileW1> {
  const K = qa.length - 1;
  if (qa.length < 2 || qb.length !== qa.length) {
    return insufficient('invalid_input', `need two quantile vectors of equal length >= 2, got ${qa.length} and ${qb.length}`);
  }
  const bad = [qa, qb, ...(probs ? [probs] : [])].map(firstNonFinite).findIndex((k) => k >= 0);
  if (bad >= 0) return insufficient('non_finite_input', `non-finite value in ${['qa', 'qb', 'probs'][bad]}`);
  const p = probs ?? Float64Array.from({ length: K + 1 }, (_, k) => k / K);
  if (p.length !== K + 1 || p[0] !== 0 || p[K] !== 1) {
    return insufficient('invalid_input', 'probs must have the quantiles\' length and run from 0 to 1');
  }
  for (let k = 0; k < K; k++) {
    if (!(p[k + 1]! > p[k]!)) return insufficient('invalid_input', `probs not strictly increasing at ${k + 1}`);
    if (qa[k + 1]! < qa[k]! || qb[k + 1]! < qb[k]!) {
      return insufficient('invalid_input', `quantiles must be non-decreasing (index ${k + 1})`);
    }
  }
  let value = 0;
  let lower = 0;
  let upper = 0;
  for (let k = 0; k < K; k++) {
    const w = p[k + 1]! - p[k]!;
    const a0 = qa[k]!;
    const a1 = qa[k + 1]!;
    const b0 = qb[k]!;
    const b1 = qb[k + 1]!;
    value += (w * (Math.abs(a0 - b0) + Math.abs(a1 - b1))) / 2;
    lower += w * Math.max(0, a0 - b1, b0 - a1);
    upper += w * Math.max(a1 - b0, b1 - a0);
  }
  return ok({ value, lower, upper });
}

/** Population standard deviation (ddof = 0), two-pass, as numpy.std. */
export function populationStd(xs: ArrayLike<number>): StatResult<{ value: number }> {
  const bad = checkSample(xs, 'xs');
  if (bad) return bad;
  let mean = 0;
  for (let i = 0; i < xs.length; i++) mean += xs[i]!;
  mean /= xs.length;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (xs[i]! - mean) ** 2;
  return ok({ value: Math.sqrt(ss / xs.length) });
}

/**
 * W1(ref, cur) / std(ref) (ddof = 0). Fails with 'degenerate' when the reference has zero spread,
 * because any shift would then be infinitely many standard deviations.
 */
export function wassersteinNormalized(
  ref: ArrayLike<number>,
  cur: ArrayLike<number>,
): StatResult<{ value: number; distance: number; referenceStd: number }> {
  const w = wasserstein1(ref, cur);
  if (!w.ok) return w;
  const s = populationStd(ref);
  if (!s.ok) return s;
  if (s.value === 0) return insufficient('degenerate', 'reference standard deviation is 0');
  return ok({ value: w.value / s.value, distance: w.value, referenceStd: s.value });
}
