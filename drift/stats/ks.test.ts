import { describe, expect, it } from 'vitest';
import { ks2Samp, ksPValue, ksStatistic, roundHalfEven } from './ks.js';
import { expectClose, materialise, unwrap, vectors, type Side } from './testdata/vectors.js';

interface SampleCase {
  name: string; x: Side; y: Side; statistic: number; pvalue: number;
  location: number; sign: 1 | -1; method: 'exact' | 'asymp';
}
interface PCase { d: number; n: number; m: number; pvalue: number; statistic: number; method: 'exact' | 'asymp' }
const samples: SampleCase[] = vectors.ks.samples;
const pcases: PCase[] = vectors.ks.pvalue;

/** p-values are compared to 1e-6 relative where SciPy's value is above 1e-300. */
function expectP(actual: number, expected: number, what: string): void {
  if (expected > 1e-300) expectClose(actual, expected, 1e-6, 0, what);
  else expect(actual, what).toBeLessThan(1e-290);
}

describe('two-sample Kolmogorov–Smirnov', () => {
  it('reproduces scipy.stats.ks_2samp statistic (1e-9 abs), p-value (1e-6 rel), location and sign', () => {
    for (const c of samples) {
      const r = unwrap(ks2Samp(materialise(c.x), materialise(c.y)));
      expectClose(r.statistic, c.statistic, 0, 1e-9, `${c.name} D`);
      expectP(r.pvalue, c.pvalue, `${c.name} p`);
      expect(r.statisticLocation, `${c.name} location`).toBe(c.location);
      expect(r.statisticSign, `${c.name} sign`).toBe(c.sign);
      expect(r.method, `${c.name} method`).toBe(c.method);
    }
  }, 60_000);

  it('uses the exact distribution up to max(n, m) = 10000 and the asymptotic one above', () => {
    expect(unwrap(ksPValue(0.1, 10000, 5)).method).toBe('exact');
    expect(unwrap(ksPValue(0.1, 10001, 5)).method).toBe('asymp');
  });

  it('ksPValue from (D, n, m) alone matches SciPy on every exact and asymptotic code path', () => {
    for (const c of pcases) {
      const r = unwrap(ksPValue(c.d, c.n, c.m));
      expect(r.method, `${c.n}x${c.m} d=${c.d}`).toBe(c.method);
      expectClose(r.statistic, c.statistic, 0, 1e-12, `${c.n}x${c.m} snapped D`);
      expectP(r.pvalue, c.pvalue, `${c.n}x${c.m} d=${c.d}`);
    }
  }, 60_000);

  it('method "asymp" matches ks_2samp(method="asymp") even for small samples', () => {
    for (const c of vectors.ks.asymp as { d: number; n: number; m: number; pvalue: number }[]) {
      expectP(unwrap(ksPValue(c.d, c.n, c.m, 'asymp')).pvalue, c.pvalue, `${c.n}x${c.m}`);
    }
  });

  it('effective sizes ending in .5 round half to even, as numpy does', () => {
    expect(roundHalfEven(5000.5)).toBe(5000);
    expect(roundHalfEven(5001.5)).toBe(5002);
    expect(roundHalfEven(2.4999999999999996)).toBe(2);
  });

  it('unsorted input gives the same result as sorted input', () => {
    const x = [3, 1, 2, 9, -4];
    const y = [0.5, 8, 2, 2];
    const a = unwrap(ks2Samp(x, y));
    const b = unwrap(ks2Samp([...x].sort((p, q) => p - q), [...y].sort((p, q) => p - q)));
    expect(a).toEqual(b);
    expect(x).toEqual([3, 1, 2, 9, -4]); // inputs are not mutated
  });

  it('empty or non-finite samples and impossible sizes are reported, not turned into NaN', () => {
    expect(ksStatistic([], [1])).toMatchObject({ ok: false, reason: 'insufficient_data' });
    expect(ks2Samp([1, NaN], [1])).toMatchObject({ ok: false, reason: 'non_finite_input' });
    expect(ksPValue(0.3, 0, 5)).toMatchObject({ ok: false, reason: 'insufficient_data' });
    expect(ksPValue(1.2, 5, 5)).toMatchObject({ ok: false, reason: 'invalid_input' });
    expect(ksPValue(0.2, 5.5, 5)).toMatchObject({ ok: false, reason: 'invalid_input' });
  });
});
