/**
 * Population Stability Index: PSI = Σ_i (c_i − r_i) · ln(c_i / r_i) over bins, where r_i and c_i
 * are the reference and current proportions (count / total).
 * Smoothing (README): a proportion that is exactly 0 is replaced by ε = 1e-4 before the sum,
 * without renormalising — Evidently's convention, so thresholds (0.1 / 0.25) carry over.
 * Natural log. Bins are those of binning.ts.
 */
import {
  alignCategories,
  binBoth,
  checkCountPair,
  DEFAULT_BINS,
  type CategoryCounts,
} from './binning.js';
import { ok, type StatResult } from './result.js';

export const PSI_EPSILON = 1e-4;

export interface PsiResult {
  value: number;
  /** Per-bin terms (c_i − r_i) ln(c_i / r_i), each >= 0, summing to `value`. */
  contributions: number[];
}

/** PSI from per-bin counts (same bins on both sides) with ε-smoothing of empty bins. */
export function psiFromCounts(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  epsilon: number = PSI_EPSILON,
): StatResult<PsiResult> {
  const t = checkCountPair(reference, current);
  if (!t.ok) return t;
  const contributions: number[] = [];
  let value = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] === 0 ? epsilon : reference[i]! / t.refTotal;
    const c = current[i] === 0 ? epsilon : current[i]! / t.curTotal;
    const term = (c - r) * Math.log(c / r);
    contributions.push(term);
    value += term;
  }
  return ok({ value, contributions });
}

/** PSI of a numerical feature on reference-quantile bins (binning.ts rule). */
export function psiNumeric(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  bins: number = DEFAULT_BINS,
): StatResult<PsiResult & { edges: number[]; referenceCounts: number[]; currentCounts: number[] }> {
  const b = binBoth(reference, current, bins);
  if (!b.ok) return b;
  const p = psiFromCounts(b.referenceCounts, b.currentCounts);
  if (!p.ok) return p;
  return ok({ ...p, edges: b.edges, referenceCounts: b.referenceCounts, currentCounts: b.currentCounts });
}

/** PSI of a categorical feature from category counts; unseen categories are their own bins. */
export function psiCategorical(
  reference: CategoryCounts,
  current: CategoryCounts,
): StatResult<PsiResult & { categories: string[]; unseenInReference: string[] }> {
  const a = alignCategories(reference, current);
  if (!a.ok) return a;
  const p = psiFromCounts(a.reference, a.current);
  if (!p.ok) return p;
  return ok({ ...p, categories: a.categories, unseenInReference: a.unseenInReference });
}
