import { describe, expect, it } from 'vitest';
import { benjaminiHochberg, bonferroni } from './multiple.js';
import { expectClose, unwrap, vectors } from './testdata/vectors.js';

interface Case { p: number[]; bonferroni: number[]; bh: number[] }
const cases: Case[] = vectors.multiple;

// The loops below check every value of every case; pin how many there are, so that an empty vector
// file or an adjustment that returns fewer values than it was given cannot pass by checking nothing.
const SIZES = [4, 1, 5, 3, 12, 30, 200];

describe('multiple-testing adjustment', () => {
  it('has the SciPy vectors it checks against, each with one expected value per p-value', () => {
    expect(cases.map((c) => c.p.length)).toEqual(SIZES);
    for (const c of cases) expect([c.bonferroni.length, c.bh.length]).toEqual([c.p.length, c.p.length]);
  });

  it('Bonferroni is min(1, m·p) in input order', () => {
    for (const c of cases) {
      const adjusted = unwrap(bonferroni(c.p)).adjusted;
      expect(adjusted).toHaveLength(c.p.length);
      adjusted.forEach((v, i) => expectClose(v, c.bonferroni[i]!, 1e-15));
    }
  });

  it('Benjamini–Hochberg matches scipy.stats.false_discovery_control(method="bh") to 1e-15', () => {
    for (const c of cases) {
      const adjusted = unwrap(benjaminiHochberg(c.p)).adjusted;
      expect(adjusted).toHaveLength(c.p.length);
      adjusted.forEach((v, i) => expectClose(v, c.bh[i]!, 1e-15, 0, `p[${i}]`));
    }
  });

  it('empty input gives empty output; p-values outside [0, 1] or NaN are reported', () => {
    expect(unwrap(benjaminiHochberg([])).adjusted).toEqual([]);
    expect(benjaminiHochberg([0.1, 1.2])).toMatchObject({ ok: false, reason: 'invalid_input' });
    expect(bonferroni([NaN])).toMatchObject({ ok: false, reason: 'non_finite_input' });
  });
});
