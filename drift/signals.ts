/**
 * Drift signals for the alerting module, in the declared interface core/contracts/signals.ts: one Signal
 * per (model, feature, method) of an unsegmented report, the missingness signal as method
 * `missing`, and the data-set verdict as feature `@dataset`, method `share`. These are exactly the
 * rows the scheduler writes to `drift_results`, which alerting reads on its own; publishing
 * in-process is only for a sink given to createDriftModule({ signals }).
 */
import type { Signal, SignalSink } from '../core/contracts/signals.js';
import type { DriftReport } from './report/types.js';
import { vectorReports } from './schedule/results.js';

export type { Signal, SignalSink };

/** The signals of an unsegmented report evaluated at `atMs` (the window end). */
export function signalsOf(report: DriftReport, atMs: number): Signal[] {
  const out: Signal[] = [];
  const push = (feature: string, method: string, value: number | null, threshold: number | null, drifted: boolean | null, pValue?: number | null) => {
    if (value === null || threshold === null || drifted === null) return;
    out.push({ source: 'drift', model: report.model, feature, method, value, threshold, drifted, atMs, ...(pValue === null || pValue === undefined ? {} : { pValue }) });
  };
  for (const f of report.features) {
    for (const r of f.results) push(f.feature, r.method, r.statistic, r.threshold, r.drifted);
    if (f.missing) push(f.feature, 'missing', f.missing.delta, f.missing.threshold, f.missing.drifted);
  }
  // Multivariate (`@multivariate`: pca_error, mmd) and embedding (`@embedding:<name>`: mmd, distance, ratio) results.
  for (const v of vectorReports(report)) for (const r of v.results) push(v.feature, r.method, r.statistic, r.threshold, r.drifted, r.p_value);
  push('@dataset', 'share', report.dataset.drifted_share, report.dataset.share_threshold, report.dataset.drifted);
  return out;
}
