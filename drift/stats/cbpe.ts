/**
 * Performance without labels for binary classifiers: CBPE (confidence-based performance
 * estimation, NannyML). On the reference, which has labels, the model's scores are calibrated into
 * probabilities P(label = positive | score); on a window without labels, the calibrated
 * probabilities p_i give the expected confusion matrix and the expected metrics:
 *
 *   TP = Σ p_i·[ŷ_i = 1]   FP = Σ (1 − p_i)·[ŷ_i = 1]   FN = Σ p_i·[ŷ_i = 0]   TN = Σ (1 − p_i)·[ŷ_i = 0]
 *   accuracy = (TP + TN)/n, precision = TP/(TP + FP), recall = TP/(TP + FN), F1 = 2TP/(2TP + FP + FN)
 *   ROC AUC: the ROC curve with expected TPR/FPR at every score cut (scores descending, ties
 *   grouped), integrated by trapezoids.
 *
 * Calibration: isotonic regression (as sklearn.isotonic.IsotonicRegression(out_of_bounds='clip'):
 * pool-adjacent-violators on the scores sorted ascending, equal scores merged into their mean
 * label first, prediction by linear interpolation between the fitted points, clipped outside), or
 * Platt scaling (a logistic fit of the label on the score, with Platt's smoothed targets, as
 * sklearn's sigmoid calibration) when the reference has fewer than `plattBelow` labelled rows,
 * where isotonic steps over-fit.
 *
 * Sampling-error band: given the calibrated probabilities, the labels of a window are independent
 * Bernoulli(p_i) draws, so the realised metric has a distribution the estimate is the centre of.
 * The band is its central `level` interval, from `draws` seeded simulations of the labels (every
 * metric from the same draws). For accuracy the band's width is at most 2·z·0.5/√n (z = 1.96 at
 * 95 %): a mean of n Bernoullis has standard deviation at most 0.5/√n.
 */
import { insufficient, ok, type StatResult } from './result.js';

export interface Calibrator {
  method: 'isotonic' | 'platt';
  /** Isotonic: the fitted points (ascending x); Platt: a, b of 1/(1 + exp(a·s + b)). */
  x: number[];
  y: number[];
  a?: number;
  b?: number;
}

/** Isotonic regression of 0/1 labels on scores, as sklearn.isotonic.IsotonicRegression(out_of_bounds='clip'). */
export function fitIsotonic(scores: ArrayLike<number>, labels: ArrayLike<number>): StatResult<Calibrator> {
  const n = scores.length;
  if (n === 0 || labels.length !== n) return insufficient('invalid_input', `need as many labels as scores (>0), got ${n} and ${labels.length}`);
  const idx = Array.from({ length: n }, (_, i) => i).sort((i, j) => scores[i]! - scores[j]!);
  // Equal scores first become one point with their mean label and their count as weight (sklearn's _make_unique).
  const xs: number[] = [];
  const ys: number[] = [];
  const ws: number[] = [];
  for (const i of idx) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) return insufficient('non_finite_input', `score ${s} at row ${i}`);
    if (xs.length && xs[xs.length - 1] === s) {
      const k = xs.length - 1;
      ys[k] = (ys[k]! * ws[k]! + labels[i]!) / (ws[k]! + 1);
      ws[k]!++;
    } else {
      xs.push(s);
      ys.push(labels[i]!);
      ws.push(1);
    }
  }
  // Pool adjacent violators: blocks of (mean, weight, first index); merge while a block's mean is below its predecessor's.
  const mean: number[] = [];
  const weight: number[] = [];
  const start: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    mean.push(ys[i]!);
    weight.push(ws[i]!);
    start.push(i);
    while (mean.length > 1 && mean[mean.length - 2]! >= mean[mean.length - 1]!) {
      const w = weight.pop()!;
      const m = mean.pop()!;
      start.pop();
      const k = mean.length - 1;
      mean[k] = (mean[k]! * weight[k]! + m * w) / (weight[k]! + w);
      weight[k]! += w;
    }
  }
  const fitted = new Array<number>(xs.length);
  for (let b = 0; b < mean.length; b++) for (let i = start[b]!; i < (start[b + 1] ?? xs.length); i++) fitted[i] = mean[b]!;
  // sklearn keeps only the points needed for interpolation: the ends of each constant run.
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const keep = i === 0 || i === xs.length - 1 || fitted[i] !== fitted[i - 1] || fitted[i] !== fitted[i + 1];
    if (keep) {
      x.push(xs[i]!);
      y.push(fitted[i]!);
    }
  }
  return ok({ method: 'isotonic' as const, x, y });
}

/** Platt scaling as sklearn's _sigmoid_calibration: targets (n₊+1)/(n₊+2) and 1/(n₋+2), Newton's method on a, b. */
export function fitPlatt(scores: ArrayLike<number>, labels: ArrayLike<number>): StatResult<Calibrator> {
  const n = scores.length;
  if (n === 0 || labels.length !== n) return insufficient('invalid_input', `need as many labels as scores (>0), got ${n} and ${labels.length}`);
  let pos = 0;
  for (let i = 0; i < n; i++) pos += labels[i]! > 0.5 ? 1 : 0;
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (n - pos + 2);
  const t = Array.from({ length: n }, (_, i) => (labels[i]! > 0.5 ? hi : lo));
  // P(y=1|s) = 1/(1 + exp(a·s + b)); minimise the cross-entropy with targets t (convex in a, b).
  let a = 0;
  let b = Math.log((n - pos + 1) / (pos + 1));
  for (let it = 0; it < 100; it++) {
    let g0 = 0, g1 = 0, h00 = 1e-12, h01 = 0, h11 = 1e-12;
    for (let i = 0; i < n; i++) {
      const s = scores[i]!;
      const p = 1 / (1 + Math.exp(a * s + b));
      const d = t[i]! - p; // d loss / d (a·s + b)
      const w = p * (1 - p);
      g0 += d * s;
      g1 += d;
      h00 += w * s * s;
      h01 += w * s;
      h11 += w;
    }
    const det = h00 * h11 - h01 * h01;
    const da = (h11 * g0 - h01 * g1) / det;
    const db = (h00 * g1 - h01 * g0) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-12 && Math.abs(db) < 1e-12) break;
  }
  return ok({ method: 'platt' as const, x: [], y: [], a, b });
}

/** Calibrated probability of a score. */
export function calibrate(c: Calibrator, s: number): number {
  if (c.method === 'platt') return 1 / (1 + Math.exp(c.a! * s + c.b!));
  const { x, y } = c;
  if (s <= x[0]!) return y[0]!;
  if (s >= x[x.length - 1]!) return y[y.length - 1]!;
  let lo = 0;
  let hi = x.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= s) lo = mid;
    else hi = mid;
  }
  return y[lo]! + ((y[hi]! - y[lo]!) * (s - x[lo]!)) / (x[hi]! - x[lo]!);
}

/** Isotonic, or Platt below `plattBelow` labelled rows. */
export function fitCalibrator(scores: ArrayLike<number>, labels: ArrayLike<number>, plattBelow = 1000): StatResult<Calibrator> {
  return scores.length < plattBelow ? fitPlatt(scores, labels) : fitIsotonic(scores, labels);
}

export const CBPE_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc'] as const;
export type CbpeMetric = (typeof CBPE_METRICS)[number];
export type Metrics = Record<CbpeMetric, number | null>;

/** Metrics from (expected or realised) per-row positive weights q_i (p_i, or the 0/1 label), predictions and the score order. */
function metricsOf(q: ArrayLike<number>, predicted: ArrayLike<number>, order: Int32Array, groupEnds: Int32Array): Metrics {
  let tp = 0, fp = 0, fn = 0, tn = 0;
  for (let i = 0; i < q.length; i++) {
    if (predicted[i]) {
      tp += q[i]!;
      fp += 1 - q[i]!;
    } else {
      fn += q[i]!;
      tn += 1 - q[i]!;
    }
  }
  const n = q.length;
  const P = tp + fn;
  const N = fp + tn;
  // ROC: cut after each group of equal scores (descending), trapezoids between cuts.
  let auc: number | null = null;
  if (P > 0 && N > 0) {
    let tpr0 = 0, fpr0 = 0, cumP = 0, cumN = 0, area = 0, k = 0;
    for (let g = 0; g < groupEnds.length; g++) {
      for (; k < groupEnds[g]!; k++) {
        const v = q[order[k]!]!;
        cumP += v;
        cumN += 1 - v;
      }
      const tpr = cumP / P;
      const fpr = cumN / N;
      area += ((fpr - fpr0) * (tpr + tpr0)) / 2;
      tpr0 = tpr;
      fpr0 = fpr;
    }
    auc = area;
  }
  return {
    accuracy: n > 0 ? (tp + tn) / n : null,
    precision: tp + fp > 0 ? tp / (tp + fp) : null,
    recall: P > 0 ? tp / P : null,
    f1: 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : null,
    roc_auc: auc,
  };
}

/** Scores sorted descending and the ends of groups of equal scores. */
function scoreOrder(scores: ArrayLike<number>): { order: Int32Array; groupEnds: Int32Array } {
  const order = Int32Array.from({ length: scores.length }, (_, i) => i).sort((i, j) => scores[j]! - scores[i]!);
  const ends: number[] = [];
  for (let k = 0; k < order.length; k++) if (k === order.length - 1 || scores[order[k]!] !== scores[order[k + 1]!]) ends.push(k + 1);
  return { order, groupEnds: Int32Array.from(ends) };
}

/** Realised metrics from labels (0/1), for comparison with the estimate (same definitions; AUC as sklearn's roc_auc_score). */
export function realisedMetrics(scores: ArrayLike<number>, predicted: ArrayLike<number>, labels: ArrayLike<number>): Metrics {
  const { order, groupEnds } = scoreOrder(scores);
  return metricsOf(labels, predicted, order, groupEnds);
}

export interface CbpeEstimate {
  estimate: Metrics;
  lower: Metrics;
  upper: Metrics;
  rows: number;
  level: number;
}

/** Seeded uniform [0, 1) (mulberry32): the band is reproducible. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const quantile = (sorted: number[], p: number) => {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (h - lo);
};

/**
 * The estimate for one window: calibrated probabilities of its scores, its predictions (1 =
 * positive class), and the band from `draws` simulated label sets.
 */
export function estimatePerformance(
  calibrator: Calibrator,
  scores: ArrayLike<number>,
  predicted: ArrayLike<number>,
  opts: { level?: number; draws?: number; seed?: number } = {},
): StatResult<CbpeEstimate> {
  const n = scores.length;
  if (n === 0 || predicted.length !== n) return insufficient('insufficient_data', `need scores and predictions of the same length (>0), got ${n} and ${predicted.length}`);
  const level = opts.level ?? 0.95;
  const draws = opts.draws ?? 400;
  const p = Float64Array.from({ length: n }, (_, i) => calibrate(calibrator, scores[i]!));
  const { order, groupEnds } = scoreOrder(scores);
  const estimate = metricsOf(p, predicted, order, groupEnds);
  const r = uniform(opts.seed ?? 1);
  const sims: Record<CbpeMetric, number[]> = { accuracy: [], precision: [], recall: [], f1: [], roc_auc: [] };
  const y = new Float64Array(n);
  for (let d = 0; d < draws; d++) {
    for (let i = 0; i < n; i++) y[i] = r() < p[i]! ? 1 : 0;
    const m = metricsOf(y, predicted, order, groupEnds);
    for (const k of CBPE_METRICS) if (m[k] !== null) sims[k].push(m[k]!);
  }
  const lower = {} as Metrics;
  const upper = {} as Metrics;
  for (const k of CBPE_METRICS) {
    const xs = sims[k].sort((a, b) => a - b);
    // A metric undefined in many draws (no positives) has no band.
    const usable = xs.length >= draws / 2 && estimate[k] !== null;
    lower[k] = usable ? quantile(xs, (1 - level) / 2) : null;
    upper[k] = usable ? quantile(xs, 1 - (1 - level) / 2) : null;
  }
  return ok({ estimate, lower, upper, rows: n, level });
}
