/**
 * Multiple-testing adjustment across the per-feature drift tests of one run, so that "any
 * feature drifted" keeps its false-alarm rate. Adjusted p-values are returned in input order.
 *  - Bonferroni: min(1, m·p) — controls the family-wise error rate.
 *  - Benjamini–Hochberg, as scipy.stats.false_discovery_control(ps, method='bh'): sort, scale
 *    the i-th smallest by m/i, take the running minimum from the largest down, clip to [0, 1] —
 *    controls the false discovery rate; less conservative when many features are tested.
 */
import { firstNonFinite, insufficient, ok, type Insufficient, type StatResult } from './result.js';

function checkPValues(ps: ArrayLike<number>): Insufficient | null {
  const bad = firstNonFinite(ps);
  if (bad >= 0) return insufficient('non_finite_input', `p[${bad}] is ${ps[bad]}`);
  for (let i = 0; i < ps.length; i++) {
    if (ps[i]! < 0 || ps[i]! > 1) return insufficient('invalid_input', `p[${i}] = ${ps[i]} is outside [0, 1]`);
  }
  return null;
}

/** Bonferroni-adjusted p-values min(1, m·p); an empty input gives an empty output. */
export function bonferroni(ps: ArrayLike<number>): StatResult<{ adjusted: number[] }> {
  const bad = checkPValues(ps);
  if (bad) return bad;
  const m = ps.length;
  return ok({ adjusted: Array.from(ps, (p) => Math.min(1, p * m)) });
}

/** Benjamini–Hochberg adjusted p-values (q-values), as SciPy's false_discovery_control('bh'). */
export function benjaminiHochberg(ps: ArrayLike<number>): StatResult<{ adjusted: number[] }> {
  const bad = checkPValues(ps);
  if (bad) return bad;
  const m = ps.length;
  if (m <= 1) return ok({ adjusted: Array.from(ps) });
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => ps[a]! - ps[b]!);
  // SciPy multiplies by the array m / i, so p * (m / i), not (p * m) / i: same rounding.
  const sorted = order.map((idx, k) => ps[idx]! * (m / (k + 1)));
  for (let k = m - 2; k >= 0; k--) sorted[k] = Math.min(sorted[k]!, sorted[k + 1]!);
  const adjusted = new Array<number>(m);
  order.forEach((idx, k) => (adjusted[idx] = Math.min(1, Math.max(0, sorted[k]!))));
  return ok({ adjusted });
}
