/**
 * Rows of `drift_results` (and `drift_segment_results`, with segment_name/segment_value): one per
 * (model, feature, method, window), plus a `missing` row per feature (the missingness signal), a
 * `@dataset`/`share` row and `@quality` rows, so a dashboard plots any of them over time with one
 * WHERE clause.
 */
import type { EstimatedQuality } from '../quality/estimate.js';
import type { QualityGroup } from '../quality/quality.js';
import { CBPE_METRICS } from '../stats/index.js';
import type { DriftReport, VectorMethodResult } from '../report/types.js';

const dt = (ms: number) => (ms / 1000).toFixed(3);

/** The whole-vector results of a report (`@multivariate`, `@embedding:<name>`) with their kind and sizes. */
export function vectorReports(report: DriftReport): { feature: string; kind: string; n_reference: number; n_current: number; results: VectorMethodResult[] }[] {
  const out = [];
  if (report.multivariate) out.push({ feature: report.multivariate.feature, kind: 'multivariate', n_reference: report.reference.rows, n_current: report.window.rows, results: report.multivariate.results });
  for (const e of report.embeddings ?? []) out.push({ feature: e.feature, kind: 'embedding', n_reference: e.reference.rows, n_current: e.current.rows, results: e.results });
  return out;
}

/** Result rows of one (unsegmented or single-segment) report. */
export function resultRows(report: DriftReport, windowStartMs: number, windowEndMs: number, computedAtMs: number): object[] {
  const ref = JSON.stringify(report.reference);
  const base = {
    model: report.model,
    window_start: dt(windowStartMs),
    window_end: dt(windowEndMs),
    ...(report.segment ? { segment_name: report.segment.name, segment_value: report.segment.value } : {}),
    reference: ref,
    computed_at: dt(computedAtMs),
  };
  const rows: object[] = [];
  for (const f of report.features) {
    const common = { ...base, feature: f.feature, kind: f.kind, n_reference: f.reference.values, n_current: f.current.values, missing_reference: f.reference.missing_share, missing_current: f.current.missing_share };
    for (const r of f.results) {
      rows.push({ ...common, method: r.method, value: r.statistic, p_value: r.p_value, threshold: r.threshold, drifted: r.drifted === null ? null : +r.drifted, status: r.status, message: r.message ?? '' });
    }
    if (f.results.length === 0) {
      rows.push({ ...common, method: 'status', value: null, p_value: null, threshold: null, drifted: f.drifted === null ? null : +f.drifted, status: f.status, message: f.message ?? '' });
    }
    if (f.missing) {
      rows.push({ ...common, method: 'missing', value: f.missing.delta, p_value: null, threshold: f.missing.threshold, drifted: +f.missing.drifted, status: 'ok', message: '' });
    }
  }
  for (const v of vectorReports(report)) {
    for (const r of v.results) {
      rows.push({
        ...base,
        feature: v.feature,
        kind: v.kind,
        method: r.method,
        value: r.statistic,
        p_value: r.p_value,
        threshold: r.threshold,
        drifted: r.drifted === null ? null : +r.drifted,
        status: r.status,
        message: r.message ?? '',
        n_reference: v.n_reference,
        n_current: v.n_current,
        missing_reference: null,
        missing_current: null,
      });
    }
  }
  const d = report.dataset;
  rows.push({
    ...base,
    feature: '@dataset',
    kind: 'dataset',
    method: 'share',
    value: d.drifted_share,
    p_value: null,
    threshold: d.share_threshold,
    drifted: d.drifted === null ? null : +d.drifted,
    status: d.drifted === null ? 'insufficient_data' : 'ok',
    message: report.problems.join('; '),
    n_reference: report.reference.rows,
    n_current: report.window.rows,
    missing_reference: null,
    missing_current: null,
  });
  return rows;
}

/** Quality rows (feature '@quality', method = metric name) of one group: overall, or one segment value. */
export function qualityRows(model: string, g: QualityGroup, segment: { name: string; value: string } | null, windowStartMs: number, windowEndMs: number, computedAtMs: number): object[] {
  const rows: object[] = [];
  {
    for (const [metric, value] of Object.entries(g.metrics)) {
      rows.push({
        model,
        window_start: dt(windowStartMs),
        window_end: dt(windowEndMs),
        ...(segment ? { segment_name: segment.name, segment_value: segment.value } : {}),
        feature: '@quality',
        kind: 'quality',
        method: metric,
        value,
        p_value: null,
        threshold: null,
        drifted: null,
        status: value === null ? 'insufficient_data' : 'ok',
        message: g.notes.join('; '),
        n_reference: 0,
        n_current: g.labelled,
        missing_reference: null,
        missing_current: null,
        reference: '',
        computed_at: dt(computedAtMs),
      });
    }
  }
  return rows;
}

/**
 * CBPE rows beside the realised quality: feature '@estimated', method = metric with the estimate
 * (threshold = the configured minimum, drifted = estimate below it), and methods `<metric>_lower`,
 * `<metric>_upper` with the band (no threshold, so alerting reads only the estimate).
 */
export function estimatedRows(
  model: string,
  e: EstimatedQuality,
  minimum: Partial<Record<(typeof CBPE_METRICS)[number], number>>,
  windowStartMs: number,
  windowEndMs: number,
  computedAtMs: number,
): object[] {
  const row = (method: string, value: number | null, threshold: number | null) => ({
    model,
    window_start: dt(windowStartMs),
    window_end: dt(windowEndMs),
    feature: '@estimated',
    kind: 'estimated',
    method,
    value,
    p_value: null,
    threshold: value === null ? null : threshold,
    drifted: value === null || threshold === null ? null : value < threshold ? 1 : 0,
    status: value === null ? 'insufficient_data' : 'ok',
    message: e.notes.join('; '),
    n_reference: e.reference_rows,
    n_current: e.rows,
    missing_reference: null,
    missing_current: null,
    reference: '',
    computed_at: dt(computedAtMs),
  });
  return CBPE_METRICS.flatMap((m) => [
    row(m, e.estimate?.[m] ?? null, minimum[m] ?? null),
    row(`${m}_lower`, e.lower?.[m] ?? null, null),
    row(`${m}_upper`, e.upper?.[m] ?? null, null),
  ]);
}

/** Status of a row that retires a result an earlier evaluation of the window wrote and the newest one did not. */
export const SUPERSEDED = 'superseded';

/** A result's identity within one window: the tables' sorting key without model and window. */
export interface ResultKey {
  feature: string;
  method: string;
  kind: string;
  segment_name?: string;
  segment_value?: string;
}

const keyString = (k: { feature: string; method: string; segment_name?: string; segment_value?: string }) =>
  JSON.stringify([k.segment_name ?? '', k.segment_value ?? '', k.feature, k.method]);

/**
 * Rows that retire the results of an earlier evaluation of the same window which `fresh` (the new
 * evaluation's rows) does not have again: a window first evaluated while its labels were missing
 * has a `@label`/`status` row that its re-evaluation replaces by `@label`/`chi2`. The tables keep
 * the newest row per key (ReplacingMergeTree(computed_at)), so these go in the same insert as the
 * new rows, with the same newer `computed_at`: a reader (FINAL) then sees either the old evaluation
 * or the new one, never a mix. They carry no value and no verdict, so aggregates and the alerting
 * reader (which needs both) skip them; readers that list rows filter `status != 'superseded'`.
 */
export function supersededRows(previous: ResultKey[], fresh: object[], model: string, windowStartMs: number, windowEndMs: number, computedAtMs: number): object[] {
  const kept = new Set(fresh.map((r) => keyString(r as ResultKey)));
  return previous
    .filter((k) => !kept.has(keyString(k)))
    .map((k) => ({
      model,
      window_start: dt(windowStartMs),
      window_end: dt(windowEndMs),
      ...(k.segment_name === undefined ? {} : { segment_name: k.segment_name, segment_value: k.segment_value ?? '' }),
      feature: k.feature,
      kind: k.kind,
      method: k.method,
      value: null,
      p_value: null,
      threshold: null,
      drifted: null,
      status: SUPERSEDED,
      message: 'replaced by a later evaluation of this window',
      n_reference: 0,
      n_current: 0,
      missing_reference: null,
      missing_current: null,
      reference: '',
      computed_at: dt(computedAtMs),
    }));
}
