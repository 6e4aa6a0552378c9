import { describe, expect, it } from 'vitest';
import { alignCategories, binCounts, binIndex, countCategories, quantileEdges, quantileLinearSorted } from './binning.js';
import { expectClose, materialise, unwrap, vectors, type Side } from './testdata/vectors.js';

interface NumCase { name: string; ref: Side; cur: Side; bins: number; edges: number[]; refCounts: number[]; curCounts: number[] }
interface CatCase { name: string; ref: Record<string, number>; cur: Record<string, number>; categories: string[]; unseen: string[] }
const numeric: NumCase[] = vectors.binned.numeric;
const categorical: CatCase[] = vectors.binned.categorical;

describe('binning', () => {
  it('edges are numpy.quantile(reference, k/B) (linear) with duplicates collapsed', () => {
    for (const c of numeric) {
      const edges = unwrap(quantileEdges(materialise(c.ref), c.bins)).edges;
      expect(edges.length, c.name).toBe(c.edges.length);
      edges.forEach((e, i) => expectClose(e, c.edges[i]!, 1e-15, 1e-300, `${c.name} edge ${i}`));
    }
  });

  it('bin counts match numpy.searchsorted(edges, x, side="left") on both samples', () => {
    for (const c of numeric) {
      expect(unwrap(binCounts(materialise(c.ref), c.edges)).counts, c.name).toEqual(c.refCounts);
      expect(unwrap(binCounts(materialise(c.cur), c.edges)).counts, c.name).toEqual(c.curCounts);
    }
  });

  it('bins are right-closed and the outer bins are open to ±infinity', () => {
    const edges = [1, 2, 3];
    expect([-1e300, 1, 1.5, 2, 2.0000001, 3, 4, 1e300].map((x) => binIndex(edges, x))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  });

  it('quantiles interpolate like numpy, including the ends', () => {
    const s = [1, 2, 4, 8];
    expect(quantileLinearSorted(s, 0)).toBe(1);
    expect(quantileLinearSorted(s, 1)).toBe(8);
    expect(quantileLinearSorted(s, 0.5)).toBe(3);
    expect(quantileLinearSorted([7], 0.3)).toBe(7);
  });

  it('categories align on the union, unseen ones last, all-zero ones dropped', () => {
    for (const c of categorical) {
      const a = unwrap(alignCategories(c.ref, c.cur));
      expect(a.categories, c.name).toEqual(c.categories);
      expect(a.unseenInReference, c.name).toEqual(c.unseen);
      expect(a.reference, c.name).toEqual(c.categories.map((k) => c.ref[k] ?? 0));
      expect(a.current, c.name).toEqual(c.categories.map((k) => c.cur[k] ?? 0));
    }
  });

  it('Map inputs and raw category lists are accepted', () => {
    const counts = countCategories(['a', 'b', 'a', 'c']);
    expect([...counts]).toEqual([['a', 2], ['b', 1], ['c', 1]]);
    expect(unwrap(alignCategories(counts, new Map([['d', 1]]))).unseenInReference).toEqual(['d']);
  });

  it('empty, non-finite or negative inputs are reported', () => {
    expect(quantileEdges([], 10)).toMatchObject({ ok: false, reason: 'insufficient_data' });
    expect(quantileEdges([1, NaN], 10)).toMatchObject({ ok: false, reason: 'non_finite_input' });
    expect(quantileEdges([1, 2], 0)).toMatchObject({ ok: false, reason: 'invalid_input' });
    expect(binCounts([1], [2, 1])).toMatchObject({ ok: false, reason: 'invalid_input' });
    expect(alignCategories({ a: -1 }, { a: 1 })).toMatchObject({ ok: false, reason: 'invalid_input' });
  });
});
