/**
 * Binning shared by PSI and Jensen–Shannon.
 *
 * Numerical features — the rule (README "Binning"):
 *  1. levels p_k = k / B for k = 1..B-1 (B = 10 by default), computed as a floating division;
 *  2. edge_k = numpy.quantile(reference, p_k) with numpy's default method 'linear';
 *  3. equal edges are collapsed (ties in the reference), so there may be fewer than B bins;
 *  4. bins are right-closed: (-inf, e_1], (e_1, e_2], ..., (e_last, +inf). The first and last
 *     bins are open so current values outside the reference range are still counted.
 * Bin index of x = #{edges < x} (numpy.searchsorted(edges, x, side='left')), which is also a
 * one-liner in SQL: arrayCount(e -> e < x, edges). Right-closed bins keep a point mass at the
 * reference minimum (zero-inflated features) inside the first bin instead of an empty one.
 *
 * Categorical features: one bin per category; categories present only in the current sample
 * get their own bins (reference count 0), and categories with zero count on both sides are
 * dropped (they contribute nothing to PSI or JS and would break the chi-square expected table).
 */
import { checkCounts, checkSample, insufficient, ok, type StatResult } from './result.js';

export const DEFAULT_BINS = 10;

/** numpy.quantile(sorted, p, method='linear'); precondition: ascending, non-empty, finite array and p in [0, 1]. */
export function quantileLinearSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  const virtual = (n - 1) * p;
  if (virtual >= n - 1) return sorted[n - 1]!;
  if (virtual < 0) return sorted[0]!;
  const lo = Math.floor(virtual);
  const t = virtual - lo;
  const a = sorted[lo]!;
  const b = sorted[lo + 1]!;
  // numpy _lerp: interpolate from the nearer end so the result is monotone in t.
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Interior quantile edges of the reference by the rule above (collapsed, ascending). */
export function quantileEdges(reference: ArrayLike<number>, bins: number = DEFAULT_BINS): StatResult<{ edges: number[] }> {
  if (!Number.isInteger(bins) || bins < 1) return insufficient('invalid_input', `bins must be an integer >= 1, got ${bins}`);
  const bad = checkSample(reference, 'reference');
  if (bad) return bad;
  const sorted = Float64Array.from(reference).sort();
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = quantileLinearSorted(sorted, k / bins);
    if (edges.length === 0 || e !== edges[edges.length - 1]) edges.push(e);
  }
  return ok({ edges });
}

/** Index of the right-closed bin holding x: #{edges < x}, by binary search. */
export function binIndex(edges: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Counts of finite values per right-closed bin; the result has edges.length + 1 entries. */
export function binCounts(values: ArrayLike<number>, edges: ArrayLike<number>): StatResult<{ counts: number[] }> {
  const bad = checkSample(values, 'values');
  if (bad) return bad;
  for (let k = 1; k < edges.length; k++) {
    if (!(edges[k]! > edges[k - 1]!)) return insufficient('invalid_input', `edges must be strictly increasing (index ${k})`);
  }
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) counts[binIndex(edges, values[i]!)]!++;
  return ok({ counts });
}

/** Category → count, as a Map or a plain object. */
export type CategoryCounts = ReadonlyMap<string, number> | Readonly<Record<string, number>>;

export interface AlignedCategories {
  /** Category of each bin: reference categories first (input order), then unseen ones. */
  categories: string[];
  reference: number[];
  current: number[];
  /** Categories with a current count but none in the reference (their own bins, ref = 0). */
  unseenInReference: string[];
}

function entries(c: CategoryCounts): [string, number][] {
  return c instanceof Map ? [...c.entries()] : Object.entries(c as Record<string, number>);
}

/** Aligns two category-count tables on the union of categories, dropping all-zero categories. */
export function alignCategories(reference: CategoryCounts, current: CategoryCounts): StatResult<AlignedCategories> {
  const ref = entries(reference);
  const cur = entries(current);
  const bad = checkCounts(ref.map((e) => e[1]), 'reference') ?? checkCounts(cur.map((e) => e[1]), 'current');
  if (bad) return bad;
  const curMap = new Map(cur);
  const refMap = new Map(ref);
  const out: AlignedCategories = { categories: [], reference: [], current: [], unseenInReference: [] };
  for (const [k, r] of refMap) {
    const c = curMap.get(k) ?? 0;
    if (r === 0 && c === 0) continue;
    out.categories.push(k);
    out.reference.push(r);
    out.current.push(c);
  }
  for (const [k, c] of curMap) {
    if (refMap.has(k) || c === 0) continue;
    out.categories.push(k);
    out.reference.push(0);
    out.current.push(c);
    out.unseenInReference.push(k);
  }
  return ok(out);
}

/** Counts occurrences of each category in a list of values. */
export function countCategories(values: Iterable<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

/** Validates two aligned count vectors: same length >= 1, finite, >= 0, both totals > 0. */
export function checkCountPair(ref: ArrayLike<number>, cur: ArrayLike<number>): StatResult<{ refTotal: number; curTotal: number }> {
  if (ref.length !== cur.length) return insufficient('invalid_input', `count vectors differ in length: ${ref.length} vs ${cur.length}`);
  const bad = checkCounts(ref, 'reference') ?? checkCounts(cur, 'current');
  if (bad) return bad;
  let refTotal = 0;
  let curTotal = 0;
  for (let i = 0; i < ref.length; i++) {
    refTotal += ref[i]!;
    curTotal += cur[i]!;
  }
  if (refTotal === 0) return insufficient('insufficient_data', 'reference has no observations');
  if (curTotal === 0) return insufficient('insufficient_data', 'current has no observations');
  return ok({ refTotal, curTotal });
}

/** Both samples counted on the reference's quantile bins: the common first step of binned PSI and JS. */
export function binBoth(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  bins: number = DEFAULT_BINS,
): StatResult<{ edges: number[]; referenceCounts: number[]; currentCounts: number[] }> {
  const bad = checkSample(current, 'current');
  if (bad) return bad;
  const e = quantileEdges(reference, bins);
  if (!e.ok) return e;
  const rc = binCounts(reference, e.edges);
  if (!rc.ok) return rc;
  const cc = binCounts(current, e.edges);
  if (!cc.ok) return cc;
  return ok({ edges: e.edges, referenceCounts: rc.counts, currentCounts: cc.counts });
}
