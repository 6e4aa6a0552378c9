/**
 * Categorical features with many categories and few rows: where a distance is sampling noise.
 *
 * With 5,000 equally likely categories and 3,000 rows per side most categories occur once or not
 * at all on a side, and the JS distance of two samples of the *same* distribution is ~0.4: every
 * category seen on one side only contributes its full weight. Two rules keep such features from
 * alarming, and both reduce to nothing when the cells are well filled:
 *
 * 1. **Sparse cells are pooled** (Cochran's rule for chi-square): a category whose expected count
 *    on the smaller side, colTotal · min(n, m) / (n + m), is below `minExpected` (5) joins one
 *    cell `__rare__`. The rule looks only at the pooled (both-sides) count, never at which side a
 *    category came from, so it is blind to the split it then tests: a category new in the current
 *    window but frequent there keeps its own cell (reference 0) and shows, while the long tail
 *    of both sides is compared as one cell.
 * 2. **Distances must also be beyond sampling noise**: JS and PSI on categories count as drift only
 *    when, besides reaching their threshold, the chi-square test of the pooled table rejects
 *    "same distribution" at `noiseAlpha` (0.01). With pooled cells Pearson's X² follows χ²(cells − 1)
 *    closely, so this is a calibrated test; translating its quantile into a JS floor instead
 *    (JSD ≈ X²·(n+m)/(8nm) to second order) underestimates JS by ~3 % at 5 values per cell, which
 *    is more than JS's spread over 1,000 cells, and alarmed in 11 % of same-distribution runs.
 *    For large samples any distance above the usual thresholds has a tiny p-value: nothing changes.
 */

/** Name of the cell that pools the sparse categories. */
export const RARE_CATEGORIES = '__rare__';

export interface PooledCategories {
  reference: Map<string, number>;
  current: Map<string, number>;
  /** How many categories were pooled into `__rare__` (0: nothing was pooled). */
  pooled: number;
  /** Cells after pooling (categories kept, plus `__rare__` when used). */
  cells: number;
}

/**
 * Pools the categories whose expected count on the smaller side is below `minExpected` into one
 * cell. minExpected 0 pools nothing. The input maps may hold categories on one side only.
 */
export function poolSparseCategories(reference: Map<string, number>, current: Map<string, number>, minExpected: number): PooledCategories {
  let n = 0;
  let m = 0;
  for (const v of reference.values()) n += v;
  for (const v of current.values()) m += v;
  const total = n + m;
  // colTotal · min(n, m) / total >= minExpected  ⟺  colTotal >= minExpected · total / min(n, m)
  const needed = minExpected > 0 && Math.min(n, m) > 0 ? (minExpected * total) / Math.min(n, m) : 0;
  const ref = new Map<string, number>();
  const cur = new Map<string, number>();
  let rareR = 0;
  let rareC = 0;
  let pooled = 0;
  for (const k of new Set([...reference.keys(), ...current.keys()])) {
    const r = reference.get(k) ?? 0;
    const c = current.get(k) ?? 0;
    if (r + c === 0) continue;
    if (r + c >= needed && k !== RARE_CATEGORIES) {
      if (r > 0) ref.set(k, r);
      if (c > 0) cur.set(k, c);
      continue;
    }
    rareR += r;
    rareC += c;
    pooled++;
  }
  if (pooled > 0) {
    if (rareR > 0) ref.set(RARE_CATEGORIES, rareR);
    if (rareC > 0) cur.set(RARE_CATEGORIES, rareC);
  }
  return { reference: ref, current: cur, pooled, cells: new Set([...ref.keys(), ...cur.keys()]).size };
}
