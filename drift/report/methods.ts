/**
 * Turns the database summaries of one feature into one method's statistic, through drift/stats
 * (the SciPy-verified layer). Nothing here touches rows; every failure is a status with a message.
 */
import { P_VALUE_METHODS, type DriftMethod } from '../config.js';
import {
  chi2Categorical,
  jsCategorical,
  jsDistanceFromCounts,
  ksPValue,
  psiCategorical,
  psiFromCounts,
  poolSparseCategories,
  type Insufficient,
} from '../stats/index.js';
import type { FeatureData } from '../engine/collect.js';
import type { MethodResult } from './types.js';

/** The "other categories" bucket when a categorical feature has more than maxCategories. */
export const OTHER_CATEGORIES = '__other__';

export interface MethodInput {
  data: FeatureData;
  minValues: number;
  /** Sparse categorical tables: pooling and the distances' noise floor (config `sparse`). */
  sparse: { minExpected: number; noiseAlpha: number };
}

type Computed = Pick<MethodResult, 'statistic' | 'p_value' | 'details'> & { unseen?: string[] };

export function emptyResult(method: DriftMethod, status: MethodResult['status'], message: string): MethodResult {
  return { method, status, message, statistic: null, p_value: null, p_adjusted: null, threshold: null, threshold_source: 'fixed', drifted: null, details: {} };
}

function fromStats(method: DriftMethod, r: Insufficient): MethodResult {
  return emptyResult(method, r.reason === 'degenerate' ? 'degenerate' : 'insufficient_data', `${method}: ${r.detail}`);
}

/** Category counts of both sides, with the lumped remainder when categories were truncated. */
function categoryCounts(d: FeatureData): { ref: Map<string, number>; cur: Map<string, number> } {
  const ref = new Map<string, number>();
  const cur = new Map<string, number>();
  if (d.categories) {
    // Only counts above zero: a category absent from the reference must stay absent to be "unseen".
    for (const [k, [r, c]] of d.categories) {
      if (r > 0) ref.set(k, r);
      if (c > 0) cur.set(k, c);
    }
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const restR = d.reference.categorical - sum(ref);
    const restC = d.current.categorical - sum(cur);
    if (restR > 0 || restC > 0) {
      ref.set(OTHER_CATEGORIES, (ref.get(OTHER_CATEGORIES) ?? 0) + Math.max(0, restR));
      cur.set(OTHER_CATEGORIES, (cur.get(OTHER_CATEGORIES) ?? 0) + Math.max(0, restC));
    }
  } else if (d.cells?.values) {
    // Low-cardinality numerical feature: its exact values are the categories.
    for (const [v, [r, c]] of d.cells.values) {
      if (r > 0) ref.set(String(v), r);
      if (c > 0) cur.set(String(v), c);
    }
  }
  return { ref, cur };
}

function numeric(method: DriftMethod, d: FeatureData, sparse: MethodInput['sparse']): Computed | MethodResult {
  const p = d.profile!;
  const cells = d.cells;
  switch (method) {
    case 'ks': {
      if (p.ksD === null) return emptyResult(method, 'insufficient_data', 'ks: the database returned no statistic');
      const r = ksPValue(p.ksD, p.n0, p.n1);
      if (!r.ok) return fromStats(method, r);
      return { statistic: r.statistic, p_value: r.pvalue, details: { p_value_method: r.method } };
    }
    case 'wasserstein': {
      if (!cells?.w1) return emptyResult(method, 'insufficient_data', 'wasserstein: the database returned no distance');
      const w = cells.w1;
      const details = { distance: w.value, distance_lower: w.lower, distance_upper: w.upper, exact: w.lower === w.upper, reference_std: p.refStd };
      if (!p.refStd) {
        return { ...emptyResult(method, 'degenerate', 'wasserstein: the reference standard deviation is 0 (a constant feature), so the normed distance is undefined; see details.distance'), details };
      }
      return { statistic: w.value / p.refStd, p_value: null, details: { ...details, normed_lower: w.lower / p.refStd, normed_upper: w.upper / p.refStd } };
    }
    case 'psi':
    case 'js': {
      if (!cells) return emptyResult(method, 'insufficient_data', `${method}: the database returned no bin counts`);
      const r = method === 'psi' ? psiFromCounts(cells.bins0, cells.bins1) : jsDistanceFromCounts(cells.bins0, cells.bins1);
      if (!r.ok) return fromStats(method, r);
      return { statistic: r.value, p_value: null, details: { bins: cells.bins0.length, edges: d.edges, reference_counts: cells.bins0, current_counts: cells.bins1 } };
    }
    case 'chi2': {
      if (!cells?.values) {
        return emptyResult(method, 'not_applicable', 'chi2 tests categories; this numerical feature has too many distinct values (use ks, wasserstein, psi or js)');
      }
      return categorical(method, d, sparse);
    }
  }
}

/** Categories with a current count and none in the reference, most frequent first (inventory order). */
function unseenIn(ref: Map<string, number>, cur: Map<string, number>): string[] {
  return [...cur.keys()].filter((k) => !ref.has(k));
}

function categorical(method: DriftMethod, d: FeatureData, sparse: MethodInput['sparse']): Computed | MethodResult {
  if (method === 'ks' || method === 'wasserstein') {
    return emptyResult(method, 'not_applicable', `${method} needs numbers; this feature is categorical (use chi2, psi or js)`);
  }
  const raw = categoryCounts(d);
  const unseen = unseenIn(raw.ref, raw.cur);
  // Sparse cells are pooled before any statistic (stats/sparse.ts); with well-filled cells nothing changes.
  const p = poolSparseCategories(raw.ref, raw.cur, sparse.minExpected);
  const { reference: ref, current: cur } = p;
  const r = method === 'chi2' ? chi2Categorical(ref, cur) : method === 'psi' ? psiCategorical(ref, cur) : jsCategorical(ref, cur);
  if (!r.ok) return fromStats(method, r);
  const pooling = { categories: raw.ref.size + unseen.length, cells: p.cells, pooled_categories: p.pooled };
  if ('pvalue' in r) return { statistic: r.statistic, p_value: r.pvalue, details: { dof: r.dof, ...pooling }, unseen };
  const details: Record<string, unknown> = { ...pooling };
  if (sparse.noiseAlpha > 0) {
    // Whether the pooled table differs beyond sampling noise at all (stats/sparse.ts); feature.ts decides with it.
    const chi = chi2Categorical(ref, cur);
    if (chi.ok) details.noise_p_value = chi.pvalue;
  }
  return { statistic: r.value, p_value: null, details, unseen };
}

/** Computes one method; `threshold` and `drifted` are filled in by the caller. */
export function computeMethod(method: DriftMethod, input: MethodInput): MethodResult & { unseen?: string[] } {
  const { data, minValues, sparse } = input;
  const [n0, n1] = data.profile ? [data.profile.n0, data.profile.n1] : [data.reference.categorical, data.current.categorical];
  if (n0 < minValues || n1 < minValues) {
    return emptyResult(method, 'insufficient_data', `${method} needs at least ${minValues} values on each side; the reference has ${n0}, the current window ${n1}`);
  }
  const c = data.profile ? numeric(method, data, sparse) : categorical(method, data, sparse);
  if ('method' in c) return c;
  return { ...emptyResult(method, 'ok', ''), message: null, ...c };
}

/** Whether a statistic means drift: a p-value below the threshold, or a distance at or above it. */
export function isDrift(method: DriftMethod, statistic: number, pValue: number | null, threshold: number): boolean {
  return P_VALUE_METHODS.has(method) ? (pValue ?? 1) < threshold : statistic >= threshold;
}
