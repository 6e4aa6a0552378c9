import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rng } from '../../demo/traffic.js';
import { calibrate, estimatePerformance, fitCalibrator, fitIsotonic, fitPlatt, realisedMetrics, type Calibrator } from './cbpe.js';

// Debian's python3 with python3-sklearn (test/run.sh installs it); a pyenv shim on PATH may lack it.
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const python = (code: string, input: unknown) => JSON.parse(execFileSync(PYTHON, ['-c', code], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 26 }));

const unwrap = <T extends { ok: boolean }>(r: T) => {
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r as Extract<T, { ok: true }>;
};
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

/**
 * A model calibrated by construction: P(y = 1 | x) = sigmoid(2x) and the score is exactly that;
 * it predicts positive at score >= 0.5. Moving x toward 0 (covariate shift) brings rows near the
 * decision boundary, where the model is unsure, and lowers its accuracy.
 */
function sample(seed: number, n: number, mean: number) {
  const r = rng(seed);
  const scores: number[] = [];
  const labels: number[] = [];
  const predicted: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = mean + normal(r) * (i % 2 ? 1 : -1);
    const s = sigmoid(2 * x);
    scores.push(Math.round(s * 1e4) / 1e4); // ties, as real scores have
    labels.push(r() < s ? 1 : 0);
    predicted.push(s >= 0.5 ? 1 : 0);
  }
  return { scores, labels, predicted };
}

describe('calibration', () => {
  it('agrees with sklearn.isotonic.IsotonicRegression (fitted points and predictions, ties and out-of-range scores)', () => {
    const ref = sample(1, 3000, 0.5);
    const c = unwrap(fitIsotonic(ref.scores, ref.labels));
    const grid = [-1, 0, ...Array.from({ length: 199 }, (_, i) => (i + 0.5) / 199), 1, 2];
    const want = python(
      `import json, sys
from sklearn.isotonic import IsotonicRegression
d = json.load(sys.stdin)
m = IsotonicRegression(out_of_bounds='clip').fit(d['s'], d['y'])
print(json.dumps({'x': m.X_thresholds_.tolist(), 'y': m.y_thresholds_.tolist(), 'p': m.predict(d['g']).tolist()}))`,
      { s: ref.scores, y: ref.labels, g: grid },
    ) as { x: number[]; y: number[]; p: number[] };
    expect(c.x).toEqual(want.x);
    c.y.forEach((v, i) => expect(Math.abs(v - want.y[i]!)).toBeLessThan(1e-12));
    grid.forEach((g, i) => expect(Math.abs(calibrate(c, g) - want.p[i]!)).toBeLessThan(1e-12));
  });

  it("agrees with sklearn's sigmoid (Platt) calibration on a small reference", () => {
    const ref = sample(2, 300, 0.5);
    const c = unwrap(fitPlatt(ref.scores, ref.labels));
    const [a, b] = python(
      `import json, sys
from sklearn.calibration import _sigmoid_calibration
d = json.load(sys.stdin)
print(json.dumps([float(v) for v in _sigmoid_calibration(d['s'], d['y'])]))`,
      { s: ref.scores, y: ref.labels },
    ) as [number, number];
    // sklearn stops BFGS at its tolerance; both minimise the same convex loss.
    expect(Math.abs(c.a! - a)).toBeLessThan(1e-4 * Math.max(1, Math.abs(a)));
    expect(Math.abs(c.b! - b)).toBeLessThan(1e-4 * Math.max(1, Math.abs(b)));
    expect(fitCalibrator(ref.scores, ref.labels).ok && (fitCalibrator(ref.scores, ref.labels) as Calibrator & { ok: true }).method).toBe('platt');
  });

  it('computes realised ROC AUC as sklearn.metrics.roc_auc_score, ties included', () => {
    const w = sample(3, 2000, 0.3);
    const auc = python(
      `import json, sys
from sklearn.metrics import roc_auc_score
d = json.load(sys.stdin)
print(json.dumps(roc_auc_score(d['y'], d['s'])))`,
      { s: w.scores, y: w.labels },
    ) as number;
    expect(Math.abs(realisedMetrics(w.scores, w.predicted, w.labels).roc_auc! - auc)).toBeLessThan(1e-12);
  });
});

describe('CBPE: performance estimated without labels', () => {
  const reference = sample(10, 5000, 1);
  const calibrator = unwrap(fitCalibrator(reference.scores, reference.labels));
  const N = 1000;

  it('puts the realised accuracy and ROC AUC inside the 95 % band in 90–99 % of 100 seeded windows, with the band width bounded', () => {
    const covered = { accuracy: 0, roc_auc: 0 };
    let widest = { accuracy: 0, roc_auc: 0 };
    for (let w = 0; w < 100; w++) {
      // Windows from no shift (mean 1) to a strong one (mean 0).
      const win = sample(1000 + w, N, 1 - w / 100);
      const e = unwrap(estimatePerformance(calibrator, win.scores, win.predicted, { seed: w }));
      const real = realisedMetrics(win.scores, win.predicted, win.labels);
      for (const m of ['accuracy', 'roc_auc'] as const) {
        if (real[m]! >= e.lower[m]! && real[m]! <= e.upper[m]!) covered[m]++;
        widest = { ...widest, [m]: Math.max(widest[m], e.upper[m]! - e.lower[m]!) };
      }
    }
    for (const m of ['accuracy', 'roc_auc'] as const) {
      expect(covered[m], m).toBeGreaterThanOrEqual(90);
      expect(covered[m], m).toBeLessThanOrEqual(99);
    }
    // Accuracy is a mean of n Bernoullis: a 95 % band is at most 2·1.96·0.5/√n wide (plus Monte Carlo error of the quantiles).
    expect(widest.accuracy).toBeLessThanOrEqual((1.96 / Math.sqrt(N)) * 1.05);
    // ROC AUC: measured ≤ 0.07 at 1,000 rows here; bounded by 0.1.
    expect(widest.roc_auc).toBeLessThanOrEqual(0.1);
  });

  it('shows the accuracy falling under covariate shift from the scores alone, before any label exists', () => {
    const before = sample(2000, N, 1);
    const after = sample(2001, N, 0.1);
    // Only scores and predictions go in: no labels.
    const e0 = unwrap(estimatePerformance(calibrator, before.scores, before.predicted));
    const e1 = unwrap(estimatePerformance(calibrator, after.scores, after.predicted));
    expect(e1.upper.accuracy!).toBeLessThan(e0.lower.accuracy!);
    // And the labels that arrive later confirm it.
    expect(realisedMetrics(after.scores, after.predicted, after.labels).accuracy!).toBeLessThan(realisedMetrics(before.scores, before.predicted, before.labels).accuracy! - 0.05);
  });

  it('gives the same band for the same seed, and says why when a window is empty', () => {
    const w = sample(5, 500, 0.5);
    expect(estimatePerformance(calibrator, w.scores, w.predicted, { seed: 7 })).toEqual(estimatePerformance(calibrator, w.scores, w.predicted, { seed: 7 }));
    expect(estimatePerformance(calibrator, [], [])).toMatchObject({ ok: false, reason: 'insufficient_data' });
  });
});
