import { describe, expect, it } from 'vitest';
import { benjaminiHochberg, bonferroni } from './multiple.js';
import { expectClose, unwrap, vectors } from './testdata/vectors.js';

interface Case { p: number[]; bonferroni: number[]; bh: number[] }
const cases: Case[] = vectors.multiple;

describe('multiple-testing adjustment', () => {
  it('Bonferroni is min(1, m·p) in input order', () => {
    for (const c of cases) unwrap(bonferroni(c.p)).adjusted.forEach((v, i) => expectClose(v, c.bonferroni[i]!, 1e-15));
  });

  it('Benjamini–Hochberg matches scipy.stats.false_discovery_control(method="bh") to 1e-15', () => {
    for (const c of cases) unwrap(benjaminiHochberg(c.p)).adjusted.forEach((v, i) => expectClose(v, c.bh[i]!, 1e-15, 0, `p[${i}]`));
  });

  it('empty input gives empty output; p-values outside [0, 1] or NaN are reported', () => {
    expect(unwrap(benjaminiHochberg([])).adjusted).toEqual([]);
    expect(benjaminiHochberg([0.1, 1.2])).toMatchObject({ ok: false, reason: 'invalid_input' });
    expect(bonferroni([NaN])).toMatchObject({ ok: false, reason: 'non_finite_input' });
  });
});
