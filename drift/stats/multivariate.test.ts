import { describe, expect, it } from 'vitest';
import { numpyReference } from '../testing/python.js';
import { normals } from '../testing/data.js';
import { fitPca, mmdTest, reconstructionError, medianSigma, meanDistance, driftedShare } from './index.js';

/** Rows of d columns: x0 ~ N(0,1); x1 = rho·x0 + sqrt(1−rho²)·e; the rest independent with varied scales. */
function rows(seed: number, n: number, d: number, rho: number): number[][] {
  const cols = Array.from({ length: d }, (_, j) => normals(seed * 31 + j, n, j, 1 + j / 2));
  return Array.from({ length: n }, (_, i) => {
    const r = cols.map((c) => c[i]!);
    r[1] = 1 + 1.5 * (rho * cols[0]![i]! + Math.sqrt(1 - rho * rho) * (cols[1]![i]! - 1) / 1.5);
    return r;
  });
}

/** The pure pipeline on arrays: standardise on the reference, correlation matrix, fit, mean error per window. */
function pcaOnArrays(ref: number[][], windows: number[][][], share: number) {
  const d = ref[0]!.length;
  const n = ref.length;
  const mean = Array.from({ length: d }, (_, j) => ref.reduce((a, r) => a + r[j]!, 0) / n);
  const std = Array.from({ length: d }, (_, j) => Math.sqrt(ref.reduce((a, r) => a + (r[j]! - mean[j]!) ** 2, 0) / n));
  const z = (r: number[]) => r.map((v, j) => (v - mean[j]!) / std[j]!);
  const zr = ref.map(z);
  const cov = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => zr.reduce((a, r) => a + r[i]! * r[j]!, 0) / n));
  const fit = fitPca(cov, share);
  if (!fit.ok) throw new Error(fit.detail);
  return { fit, errors: windows.map((w) => w.map(z).reduce((a, r) => a + reconstructionError(fit.residual, r), 0) / w.length) };
}

describe('PCA reconstruction error', () => {
  it('agrees with scikit-learn PCA on standardised data to 1e-9 relative, components and per-window errors', async () => {
    const ref = rows(1, 2000, 6, 0.8);
    const windows = [rows(2, 500, 6, 0.8), rows(3, 500, 6, -0.8), rows(4, 300, 6, 0)];
    for (const share of [0.65, 0.9, 0.3]) {
      const mine = pcaOnArrays(ref, windows, share);
      const py = await numpyReference<{ pca: { kept: number; errors: number[]; ratios: number[] } }>({ pca: { reference: ref, windows, share } });
      expect(mine.fit.kept).toBe(py.pca.kept);
      py.pca.ratios.forEach((r, i) => expect(Math.abs(mine.fit.ratios[i]! - r)).toBeLessThan(1e-12));
      py.pca.errors.forEach((e, i) => expect(Math.abs(mine.errors[i]! - e) / e).toBeLessThan(1e-9));
    }
  }, 60_000);

  it('turns a flipped correlation into a larger error than the reference window', () => {
    const mine = pcaOnArrays(rows(5, 1000, 2, 0.9), [rows(6, 1000, 2, 0.9), rows(7, 1000, 2, -0.9)], 0.65);
    expect(mine.fit.kept).toBe(1);
    expect(mine.errors[1]!).toBeGreaterThan(3 * mine.errors[0]!);
  });

  it('keeps one more component when the cumulative share equals the target exactly, as sklearn (searchsorted side=right, + 1)', () => {
    const fit = fitPca([[0.65, 0], [0, 0.35]], 0.65);
    expect(fit.ok && fit.kept).toBe(2);
    const fewer = fitPca([[0.65, 0], [0, 0.35]], 0.66);
    expect(fewer.ok && fewer.kept).toBe(2);
    const one = fitPca([[0.65, 0], [0, 0.35]], 0.64);
    expect(one.ok && one.kept).toBe(1);
  });

  it('refuses a non-square, non-finite or variance-free matrix with a reason', () => {
    expect(fitPca([[1, 0]], 0.65)).toMatchObject({ ok: false, reason: 'invalid_input' });
    expect(fitPca([[NaN]], 0.65)).toMatchObject({ ok: false, reason: 'non_finite_input' });
    expect(fitPca([[0, 0], [0, 0]], 0.65)).toMatchObject({ ok: false, reason: 'degenerate' });
    expect(fitPca([[1]], 1.5)).toMatchObject({ ok: false, reason: 'invalid_input' });
  });
});

describe('MMD with an RBF kernel (alibi-detect)', () => {
  it('agrees with NumPy on MMD² and sigma to 1e-9, and on the permutation p-value within Monte Carlo error', async () => {
    for (const [shift, seed] of [[0, 1], [0.25, 2], [1, 3]] as const) {
      const x = rows(10 + seed, 150, 4, 0.5);
      const y = rows(20 + seed, 120, 4, 0.5).map((r) => r.map((v, j) => (j === 0 ? v + shift : v)));
      const B = 2000;
      const mine = mmdTest(x, y, { permutations: B, seed });
      if (!mine.ok) throw new Error(mine.detail);
      const py = await numpyReference<{ mmd: { mmd2: number; sigma: number; p_value: number } }>({ mmd: { x, y, permutations: B, seed } });
      expect(Math.abs(mine.mmd2 - py.mmd.mmd2)).toBeLessThan(1e-9);
      expect(Math.abs(mine.sigma - py.mmd.sigma) / py.mmd.sigma).toBeLessThan(1e-12);
      // Both p-values are Monte Carlo estimates of the same permutation p over B draws each:
      // their difference has standard deviation sqrt(2·p(1−p)/B); allow 4 of them plus one step.
      const p = (mine.pValue + py.mmd.p_value) / 2;
      expect(Math.abs(mine.pValue - py.mmd.p_value)).toBeLessThanOrEqual(4 * Math.sqrt((2 * p * (1 - p)) / B) + 1 / B);
      if (shift === 1) expect(mine.pValue).toBeLessThan(0.01);
    }
  }, 120_000);

  it('gives the same p-value for the same seed and uses the lower median of the cross distances', () => {
    const x = rows(30, 60, 3, 0);
    const y = rows(31, 50, 3, 0);
    const a = mmdTest(x, y, { permutations: 200, seed: 7 });
    const b = mmdTest(x, y, { permutations: 200, seed: 7 });
    expect(a).toEqual(b);
    expect(medianSigma([[0], [1]], [[0], [3]])).toBeCloseTo(Math.sqrt(0.5 * 1), 12); // distances 0,9,1,4 → sorted[1] = 1
  });

  it('refuses too few rows, mixed dimensions and non-finite values', () => {
    expect(mmdTest([[1]], [[1], [2]], { permutations: 10, seed: 0 })).toMatchObject({ ok: false, reason: 'insufficient_data' });
    expect(mmdTest([[1], [2, 3]], [[1], [2]], { permutations: 10, seed: 0 })).toMatchObject({ ok: false, reason: 'invalid_input' });
    expect(mmdTest([[1], [NaN]], [[1], [2]], { permutations: 10, seed: 0 })).toMatchObject({ ok: false, reason: 'non_finite_input' });
    expect(mmdTest([[1], [1]], [[1], [1]], { permutations: 10, seed: 0 })).toMatchObject({ ok: false, reason: 'degenerate' });
  });
});

describe('embedding summaries', () => {
  it('measures Euclidean and cosine distances between mean vectors', () => {
    expect(meanDistance([0, 0], [3, 4], 'euclidean')).toMatchObject({ ok: true, distance: 5 });
    const c = meanDistance([1, 0], [0, 1], 'cosine');
    expect(c.ok && c.distance).toBeCloseTo(1, 15);
    expect(meanDistance([0, 0], [0, 1], 'cosine')).toMatchObject({ ok: false, reason: 'degenerate' });
  });

  it('counts the share of components drifted after the correction', () => {
    const r = driftedShare([0.001, 0.01, 0.04, 0.5], 0.05, 'bonferroni');
    expect(r).toMatchObject({ ok: true, drifted: 2, share: 0.5 });
    expect(driftedShare([0.001, 0.01, 0.04, 0.5], 0.05, 'none')).toMatchObject({ ok: true, drifted: 3 });
  });
});
