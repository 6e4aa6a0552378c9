/**
 * Jensen–Shannon *distance* (not divergence), as scipy.spatial.distance.jensenshannon(p, q, base):
 * sqrt((KL(p‖m) + KL(q‖m)) / 2 / ln(base)) with m = (p + q) / 2, p and q normalised to sum 1.
 * Default base 2 (SciPy's default is e), so the distance lies in [0, 1]: 0 for identical
 * distributions, 1 for disjoint supports. Zero bins need no smoothing (0·log 0 = 0, m > 0
 * wherever p or q is). Bins are those of binning.ts.
 */
import {
  alignCategories,
  binBoth,
  checkCountPair,
  DEFAULT_BINS,
  type CategoryCounts,
} from './binning.js';
import { insufficient, ok, type StatResult } from './result.js';

/** x·ln(x/y) with the conventions of scipy.special.rel_entr for x, y >= 0. */
function relEntr(x: number, y: number): number {
  if (x === 0) return 0;
  return x * Math.log(x / y);
}

/** JS distance between two count (or weight) vectors over the same bins. */
export function jsDistanceFromCounts(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  base: number = 2,
): StatResult<{ value: number }> {
  if (!(base > 0) || base === 1 || !Number.isFinite(base)) return insufficient('invalid_input', `base must be positive, finite and != 1, got ${base}`);
  const t = checkCountPair(reference, current);
  if (!t.ok) return t;
  let js = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i]! / t.refTotal;
    const q = current[i]! / t.curTotal;
    const m = (p + q) / 2;
    js += relEntr(p, m) + relEntr(q, m);
  }
  js /= Math.log(base);
  // Rounding can push identical distributions a hair below 0; SciPy would return NaN there.
  return ok({ value: Math.sqrt(Math.max(0, js / 2)) });
}

/** JS distance of a numerical feature on reference-quantile bins (binning.ts rule). */
export function jsNumeric(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  bins: number = DEFAULT_BINS,
  base: number = 2,
): StatResult<{ value: number; edges: number[]; referenceCounts: number[]; currentCounts: number[] }> {
  const b = binBoth(reference, current, bins);
  if (!b.ok) return b;
  const d = jsDistanceFromCounts(b.referenceCounts, b.currentCounts, base);
  if (!d.ok) return d;
  return ok({ value: d.value, edges: b.edges, referenceCounts: b.referenceCounts, currentCounts: b.currentCounts });
}

/** JS distance of a categorical feature from category counts; unseen categories are their own bins. */
export function jsCategorical(
  reference: CategoryCounts,
  current: CategoryCounts,
  base: number = 2,
): StatResult<{ value: number; categories: string[]; unseenInReference: string[] }> {
  const a = alignCategories(reference, current);
  if (!a.ok) return a;
  const d = jsDistanceFromCounts(a.reference, a.current, base);
  if (!d.ok) return d;
  return ok({ value: d.value, categories: a.categories, unseenInReference: a.unseenInReference });
}
