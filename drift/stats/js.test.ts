import { describe, expect, it } from 'vitest';
import { jsCategorical, jsDistanceFromCounts, jsNumeric } from './js.js';
import { expectClose, materialise, unwrap, vectors, type Side } from './testdata/vectors.js';

interface NumCase { name: string; ref: Side; cur: Side; bins: number; js: number }
interface CatCase { name: string; ref: Record<string, number>; cur: Record<string, number>; js: number }

describe('Jensen–Shannon distance', () => {
  it('numerical JS distance (base 2) matches scipy.spatial.distance.jensenshannon to 1e-12', () => {
    for (const c of vectors.binned.numeric as NumCase[]) {
      expectClose(unwrap(jsNumeric(materialise(c.ref), materialise(c.cur), c.bins)).value, c.js, 1e-12, 1e-12, c.name);
    }
  });

  it('categorical JS distance with unseen categories matches SciPy to 1e-12', () => {
    for (const c of vectors.binned.categorical as CatCase[]) {
      expectClose(unwrap(jsCategorical(c.ref, c.cur)).value, c.js, 1e-12, 1e-12, c.name);
    }
  });

  it('is a distance in [0, 1]: 0 for identical, 1 for disjoint distributions', () => {
    expect(unwrap(jsDistanceFromCounts([1, 2, 3], [2, 4, 6])).value).toBe(0);
    expectClose(unwrap(jsDistanceFromCounts([1, 0], [0, 1])).value, 1, 1e-15);
  });

  it('another log base rescales it as SciPy does (natural log: sqrt(ln 2) for disjoint)', () => {
    expectClose(unwrap(jsDistanceFromCounts([1, 0], [0, 1], Math.E)).value, Math.sqrt(Math.LN2), 1e-15);
  });

  it('empty sides and invalid bases are reported', () => {
    expect(jsDistanceFromCounts([0], [1])).toMatchObject({ ok: false, reason: 'insufficient_data' });
    expect(jsDistanceFromCounts([1], [1], 1)).toMatchObject({ ok: false, reason: 'invalid_input' });
  });
});
