/**
 * Rows of `drift_results` (and `drift_segment_results`, with segment_name/segment_value): one per
 * (model, feature, method, window), plus a `missing` row per feature (the missingness signal), a
 * `@dataset`/`share` row and `@quality` rows, so a dashboard plots any of them over time with one
 * WHERE clause.
 */
import type { QualityGroup } from '../quality/quality.js';
import type { DriftReport } from '../report/types.js';

const dt = (ms: number) => (ms / 1000).toFixed(3);

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
