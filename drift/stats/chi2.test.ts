import { describe, expect, it } from 'vitest';
import { chi2Categorical, chi2Homogeneity } from './chi2.js';
import { expectClose, unwrap, vectors } from './testdata/vectors.js';

interface CatCase {
  name: string; ref: Record<string, number>; cur: Record<string, number>;
  chi2: { statistic: number; dof: number; pvalue: number };
}

describe('chi-square test of homogeneity', () => {
  it('matches scipy.stats.chi2_contingency(correction=True): statistic 1e-12, dof exact, p 1e-10', () => {
    for (const c of vectors.binned.categorical as CatCase[]) {
      const r = unwrap(chi2Categorical(c.ref, c.cur));
      expectClose(r.statistic, c.chi2.statistic, 1e-12, 1e-14, `${c.name} statistic`);
      expect(r.dof, c.name).toBe(c.chi2.dof);
      if (c.chi2.pvalue > 1e-300) expectClose(r.pvalue, c.chi2.pvalue, 1e-10, 0, `${c.name} p`);
    }
  });

  it('applies Yates only for one degree of freedom and never past the expected count', () => {
    // 2x2: |obs − exp| = 0.25 < 0.5, so the corrected statistic is exactly 0
    expect(unwrap(chi2Homogeneity([10, 10], [10, 11])).statistic).toBe(0);
  });

  it('columns empty on both sides are dropped; a single column is dof 0 with p = 1', () => {
    const r = unwrap(chi2Homogeneity([5, 0, 7], [4, 0, 9]));
    expect(r.dof).toBe(1);
    expect(r.categoriesUsed).toBe(2);
    expect(unwrap(chi2Homogeneity([3, 0], [8, 0]))).toMatchObject({ statistic: 0, dof: 0, pvalue: 1 });
  });

  it('an empty reference or current row is insufficient data', () => {
    expect(chi2Homogeneity([0, 0], [1, 2])).toMatchObject({ ok: false, reason: 'insufficient_data' });
    expect(chi2Homogeneity([1, NaN], [1, 2])).toMatchObject({ ok: false, reason: 'non_finite_input' });
  });
});
