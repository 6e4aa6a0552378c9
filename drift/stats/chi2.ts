/**
 * Chi-square test of homogeneity on the 2×k table [reference counts; current counts], as
 * scipy.stats.chi2_contingency(table, correction=True):
 *  - categories with zero count on both sides are dropped first (SciPy would reject the zero
 *    expected frequency);
 *  - expected_ij = row_i · col_j / total; dof = k − 1;
 *  - Yates' continuity correction only when dof == 1: each observed count moves toward its
 *    expected value by min(0.5, |expected − observed|);
 *  - statistic = Σ (observed − expected)² / expected; p = chi2.sf(statistic, dof);
 *  - k == 1 after dropping (dof 0) gives statistic 0, p 1, as SciPy.
 */
import { alignCategories, checkCountPair, type CategoryCounts } from './binning.js';
import { insufficient, ok, type StatResult } from './result.js';
import { chi2Sf } from './special.js';

export interface Chi2Result {
  statistic: number;
  dof: number;
  pvalue: number;
  /** Categories (columns) kept after dropping those empty on both sides. */
  categoriesUsed: number;
}

/** Chi-square homogeneity test from aligned per-category counts (reference vs current). */
export function chi2Homogeneity(reference: ArrayLike<number>, current: ArrayLike<number>): StatResult<Chi2Result> {
  const t = checkCountPair(reference, current);
  if (!t.ok) return t;
  const obs: [number, number][] = [];
  for (let i = 0; i < reference.length; i++) {
    if (reference[i] !== 0 || current[i] !== 0) obs.push([reference[i]!, current[i]!]);
  }
  const k = obs.length;
  const dof = k - 1;
  if (dof === 0) return ok({ statistic: 0, dof: 0, pvalue: 1, categoriesUsed: k });
  const total = t.refTotal + t.curTotal;
  const rows = [t.refTotal, t.curTotal];
  let statistic = 0;
  for (const col of obs) {
    const colSum = col[0] + col[1];
    for (let r = 0; r < 2; r++) {
      const expected = (rows[r]! * colSum) / total;
      let o = col[r]!;
      if (dof === 1) {
        const diff = expected - o;
        o += Math.min(0.5, Math.abs(diff)) * Math.sign(diff);
      }
      statistic += (o - expected) ** 2 / expected;
    }
  }
  const p = chi2Sf(statistic, dof);
  if (!p.ok) return insufficient(p.reason, p.detail);
  return ok({ statistic, dof, pvalue: p.value, categoriesUsed: k });
}

/** Chi-square homogeneity test from category-count tables; unseen categories are columns too. */
export function chi2Categorical(
  reference: CategoryCounts,
  current: CategoryCounts,
): StatResult<Chi2Result & { categories: string[]; unseenInReference: string[] }> {
  const a = alignCategories(reference, current);
  if (!a.ok) return a;
  const r = chi2Homogeneity(a.reference, a.current);
  if (!r.ok) return r;
  return ok({ ...r, categories: a.categories, unseenInReference: a.unseenInReference });
}
