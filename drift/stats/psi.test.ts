import { describe, expect, it } from 'vitest';
import { PSI_EPSILON, psiCategorical, psiFromCounts, psiNumeric } from './psi.js';
import { expectClose, materialise, unwrap, vectors, type Side } from './testdata/vectors.js';

interface NumCase { name: string; ref: Side; cur: Side; bins: number; edges: number[]; psi: number }
interface CatCase { name: string; ref: Record<string, number>; cur: Record<string, number>; psi: number; unseen: string[] }

describe('population stability index', () => {
  it('uses the same empty-bin epsilon as the Python reference', () => {
    expect(vectors.meta.psiEpsilon).toBe(PSI_EPSILON);
  });

  it('numerical PSI on reference-quantile bins matches the NumPy reference to 1e-12', () => {
    for (const c of vectors.binned.numeric as NumCase[]) {
      const r = unwrap(psiNumeric(materialise(c.ref), materialise(c.cur), c.bins));
      expectClose(r.value, c.psi, 1e-12, 1e-15, c.name);
      expect(r.edges.length, c.name).toBe(c.edges.length);
    }
  });

  it('categorical PSI, unseen categories included, matches the NumPy reference to 1e-12', () => {
    for (const c of vectors.binned.categorical as CatCase[]) {
      const r = unwrap(psiCategorical(c.ref, c.cur));
      expectClose(r.value, c.psi, 1e-12, 1e-15, c.name);
      expect(r.unseenInReference, c.name).toEqual(c.unseen);
    }
  });

  it('contributions are non-negative and add up to the index', () => {
    const r = unwrap(psiFromCounts([10, 0, 30, 60], [20, 5, 30, 0]));
    expect(r.contributions.every((t) => t >= 0)).toBe(true);
    expectClose(r.contributions.reduce((a, b) => a + b, 0), r.value, 1e-15);
  });

  it('identical distributions give exactly 0', () => {
    expect(unwrap(psiFromCounts([1, 2, 3], [2, 4, 6])).value).toBe(0);
  });

  it('an empty side is insufficient data rather than a division by zero', () => {
    expect(psiFromCounts([0, 0], [1, 2])).toMatchObject({ ok: false, reason: 'insufficient_data' });
    expect(psiNumeric([1, 2, 3], [])).toMatchObject({ ok: false, reason: 'insufficient_data' });
    expect(psiFromCounts([1, 2], [1])).toMatchObject({ ok: false, reason: 'invalid_input' });
  });
});
