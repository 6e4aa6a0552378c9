import { describe, expect, it } from 'vitest';
import { quantileLinearSorted } from './binning.js';
import { expectClose, materialise, unwrap, vectors, type Side } from './testdata/vectors.js';
import { populationStd, wasserstein1, wassersteinFromQuantiles, wassersteinNormalized } from './wasserstein.js';

interface Case {
  name: string; u: Side; v: Side; w1: number; refStd: number; normalized: number | null;
  levels: number; quantileTrapezoid: number;
}
const cases: Case[] = vectors.wasserstein;

function quantiles(xs: ArrayLike<number>, levels: number): number[] {
  const s = Float64Array.from(xs).sort();
  return Array.from({ length: levels + 1 }, (_, k) => quantileLinearSorted(s, k / levels));
}

/** Largest gap between adjacent order statistics: the extra slack of sample quantiles. */
function maxSpacing(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  let m = 0;
  for (let i = 1; i < s.length; i++) m = Math.max(m, s[i]! - s[i - 1]!);
  return m;
}

describe('Wasserstein-1 distance', () => {
  it('matches scipy.stats.wasserstein_distance to 1e-12 relative', () => {
    for (const c of cases) {
      expectClose(unwrap(wasserstein1(materialise(c.u), materialise(c.v))).value, c.w1, 1e-12, 1e-15, c.name);
    }
  });

  it('normalised by the population standard deviation of the reference matches w1 / numpy.std', () => {
    for (const c of cases) {
      const u = materialise(c.u);
      expectClose(unwrap(populationStd(u)).value, c.refStd, 1e-12, 1e-15, `${c.name} std`);
      const r = wassersteinNormalized(u, materialise(c.v));
      if (c.normalized === null) expect(r).toMatchObject({ ok: false, reason: 'degenerate' });
      else expectClose(unwrap(r).value, c.normalized, 1e-12, 1e-15, c.name);
    }
  });

  it('the quantile approximation equals the numpy trapezoid formula on numpy-linear quantiles', () => {
    for (const c of cases) {
      const r = unwrap(wassersteinFromQuantiles(quantiles(materialise(c.u), c.levels), quantiles(materialise(c.v), c.levels)));
      expectClose(r.value, c.quantileTrapezoid, 1e-12, 1e-15, c.name);
    }
  });

  it('the exact distance lies within the returned bounds, widened by one order-statistic spacing', () => {
    for (const c of cases) {
      const u = materialise(c.u);
      const v = materialise(c.v);
      const r = unwrap(wassersteinFromQuantiles(quantiles(u, c.levels), quantiles(v, c.levels)));
      const slack = maxSpacing(u) + maxSpacing(v) + 1e-12;
      expect(r.lower, c.name).toBeLessThanOrEqual(r.value);
      expect(r.value, c.name).toBeLessThanOrEqual(r.upper);
      expect(c.w1, c.name).toBeGreaterThanOrEqual(r.lower - slack);
      expect(c.w1, c.name).toBeLessThanOrEqual(r.upper + slack);
    }
  });

  it('the approximation error stays below upper − lower and the (range(a) + range(b)) / K bound', () => {
    for (const c of cases) {
      const u = materialise(c.u);
      const v = materialise(c.v);
      const qa = quantiles(u, c.levels);
      const qb = quantiles(v, c.levels);
      const r = unwrap(wassersteinFromQuantiles(qa, qb));
      const slack = maxSpacing(u) + maxSpacing(v) + 1e-12;
      const err = Math.abs(r.value - c.w1);
      expect(err, c.name).toBeLessThanOrEqual(r.upper - r.lower + slack);
      expect(r.upper - r.lower, c.name).toBeLessThanOrEqual((qa[c.levels]! - qa[0]! + qb[c.levels]! - qb[0]!) / c.levels + 1e-12);
    }
  });

  it('malformed quantile input and empty samples are reported', () => {
    expect(wasserstein1([], [1])).toMatchObject({ ok: false, reason: 'insufficient_data' });
    expect(wasserstein1([Infinity], [1])).toMatchObject({ ok: false, reason: 'non_finite_input' });
    expect(wassersteinFromQuantiles([0, 1], [0, 1, 2])).toMatchObject({ ok: false, reason: 'invalid_input' });
    expect(wassersteinFromQuantiles([1, 0], [0, 1])).toMatchObject({ ok: false, reason: 'invalid_input' });
    expect(wassersteinFromQuantiles([0, 1, 2], [0, 1, 2], [0, 0.7, 0.9])).toMatchObject({ ok: false, reason: 'invalid_input' });
  });
});
