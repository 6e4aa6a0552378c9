import { describe, expect, it } from 'vitest';
import { rng } from '../../demo/traffic.js';
import { countCategories } from './binning.js';
import { chi2Categorical } from './chi2.js';
import { poolSparseCategories, RARE_CATEGORIES } from './sparse.js';

const unwrap = <T extends { ok: boolean }>(r: T) => {
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r as Extract<T, { ok: true }>;
};
const counts = (o: Record<string, number>) => new Map(Object.entries(o));

describe('pooling sparse categories', () => {
  it('leaves well-filled tables alone', () => {
    const p = poolSparseCategories(counts({ a: 50, b: 30 }), counts({ a: 40, b: 35, z: 25 }), 5);
    expect(p).toMatchObject({ pooled: 0, cells: 3 });
    expect(p.current.get('z')).toBe(25);
    expect(p.reference.has(RARE_CATEGORIES)).toBe(false);
  });

  it('pools by the count over both sides, so which side a category came from cannot matter', () => {
    // 200 + 100 values: a category needs 5 · 300 / 100 = 15 values over both sides.
    const ref = counts({ a: 150, b: 40, c: 6, d: 4 });
    const cur = counts({ a: 70, b: 20, c: 2, e: 8 });
    const p = poolSparseCategories(ref, cur, 5);
    expect([...p.reference]).toEqual([['a', 150], ['b', 40], [RARE_CATEGORIES, 10]]);
    expect([...p.current]).toEqual([['a', 70], ['b', 20], [RARE_CATEGORIES, 10]]);
    expect(p).toMatchObject({ pooled: 3, cells: 3 });
    // Swapping the sides pools the same categories.
    expect(poolSparseCategories(cur, ref, 5)).toMatchObject({ pooled: 3, cells: 3 });
  });

  it('keeps a category new in the current window as its own cell when it is frequent', () => {
    const p = poolSparseCategories(counts({ a: 100, b: 100 }), counts({ a: 90, b: 80, fresh: 30 }), 5);
    expect(p.reference.has('fresh')).toBe(false);
    expect(p.current.get('fresh')).toBe(30);
  });

  it('pools nothing with minExpected 0', () => {
    expect(poolSparseCategories(counts({ a: 1, b: 1 }), counts({ c: 1 }), 0)).toMatchObject({ pooled: 0, cells: 3 });
  });
});

describe('the chi-square test on pooled tables', () => {
  it('is calibrated on same-distribution samples with sparse categories', () => {
    // 2,000 categories with Zipf weights 1/i, 1,500 values per side: a few full cells and a long sparse tail.
    const cdf: number[] = [];
    for (let i = 1, acc = 0; i <= 2000; i++) cdf.push((acc += 1 / i));
    const alpha = 0.05;
    const runs = 400;
    let rejected = 0;
    let cells = 0;
    for (let seed = 0; seed < runs; seed++) {
      const r = rng(1000 + seed);
      const one = () => {
        const u = r() * cdf[cdf.length - 1]!;
        let lo = 0;
        for (let hi = cdf.length - 1; lo < hi; ) {
          const mid = (lo + hi) >> 1;
          if (cdf[mid]! < u) lo = mid + 1;
          else hi = mid;
        }
        return `c${lo}`;
      };
      const draw = () => countCategories(Array.from({ length: 1500 }, one));
      const p = poolSparseCategories(draw(), draw(), 5);
      cells += p.cells;
      if (unwrap(chi2Categorical(p.reference, p.current)).pvalue < alpha) rejected++;
    }
    expect(cells / runs).toBeGreaterThan(20);
    // Within four binomial standard errors of alpha.
    expect(Math.abs(rejected / runs - alpha)).toBeLessThan(4 * Math.sqrt((alpha * (1 - alpha)) / runs));
  });
});
