/**
 * Prometheus gauges of the latest scheduled evaluation per model. Labels are model, feature and
 * method (bounded by the model's features); per-segment values stay in `drift_results` only, as a
 * segment label (country, customer) would make the series count unbounded.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { QualityReport } from '../quality/quality.js';
import type { DriftReport } from '../report/types.js';
import { vectorReports } from './results.js';

export type DriftGauges = ReturnType<typeof createDriftGauges>;

export function createDriftGauges(registry: Registry) {
  const registers = [registry];
  return {
    statistic: new Gauge({ name: 'mlobs_drift_statistic', help: 'Drift statistic of the last evaluated window (p-value methods: the test statistic).', labelNames: ['model', 'feature', 'method'] as const, registers }),
    pValue: new Gauge({ name: 'mlobs_drift_p_value', help: 'p-value of the last evaluated window (ks, chi2).', labelNames: ['model', 'feature', 'method'] as const, registers }),
    detected: new Gauge({ name: 'mlobs_drift_detected', help: '1 when the feature drifted in the last evaluated window, else 0.', labelNames: ['model', 'feature'] as const, registers }),
    missingDelta: new Gauge({ name: 'mlobs_drift_missing_share_delta', help: 'Change of the share of missing values (current - reference).', labelNames: ['model', 'feature'] as const, registers }),
    datasetShare: new Gauge({ name: 'mlobs_drift_dataset_drifted_share', help: 'Weighted share of drifted input features.', labelNames: ['model'] as const, registers }),
    datasetDetected: new Gauge({ name: 'mlobs_drift_dataset_detected', help: '1 when the data set as a whole drifted.', labelNames: ['model'] as const, registers }),
    quality: new Gauge({ name: 'mlobs_model_quality', help: 'Model quality metric over the last evaluated window.', labelNames: ['model', 'metric'] as const, registers }),
    lastSuccess: new Gauge({ name: 'mlobs_drift_last_success_timestamp_seconds', help: 'End of the last successfully evaluated window.', labelNames: ['model'] as const, registers }),
    failures: new Counter({ name: 'mlobs_drift_evaluation_failures_total', help: 'Scheduled drift evaluations that failed.', labelNames: ['model'] as const, registers }),
  };
}

type Labelled = { remove(labels: never): void };
const previous = new WeakMap<DriftGauges, Map<string, [Labelled, Record<string, string>][]>>();
const newestEnd = new WeakMap<DriftGauges, Map<string, number>>();

/**
 * Sets the gauges from an unsegmented report; series of features that vanished are removed. The
 * gauges show the newest window: the re-evaluation of an older one (late data) leaves them alone.
 */
export function updateGauges(g: DriftGauges, report: DriftReport, quality: QualityReport | null, windowEndMs: number): void {
  const model = report.model;
  const ends = newestEnd.get(g) ?? new Map<string, number>();
  newestEnd.set(g, ends);
  if (windowEndMs < (ends.get(model) ?? -Infinity)) return;
  ends.set(model, windowEndMs);
  const byModel = previous.get(g) ?? new Map();
  previous.set(g, byModel);
  for (const [gauge, labels] of byModel.get(model) ?? []) gauge.remove(labels as never);
  const set: [Labelled, Record<string, string>][] = [];
  const put = (gauge: Gauge<string>, labels: Record<string, string>, v: number) => {
    gauge.set(labels, v);
    set.push([gauge as unknown as Labelled, labels]);
  };
  for (const f of report.features) {
    if (f.drifted !== null) put(g.detected, { model, feature: f.feature }, f.drifted ? 1 : 0);
    if (f.missing) put(g.missingDelta, { model, feature: f.feature }, f.missing.delta);
    for (const r of f.results) {
      if (r.statistic !== null) put(g.statistic, { model, feature: f.feature, method: r.method }, r.statistic);
      if (r.p_value !== null) put(g.pValue, { model, feature: f.feature, method: r.method }, r.p_value);
    }
  }
  for (const v of vectorReports(report)) {
    const drifted = v.results.filter((r) => r.drifted !== null);
    if (drifted.length) put(g.detected, { model, feature: v.feature }, drifted.some((r) => r.drifted) ? 1 : 0);
    for (const r of v.results) {
      if (r.statistic !== null) put(g.statistic, { model, feature: v.feature, method: r.method }, r.statistic);
      if (r.p_value !== null) put(g.pValue, { model, feature: v.feature, method: r.method }, r.p_value);
    }
  }
  if (report.dataset.drifted_share !== null) put(g.datasetShare, { model }, report.dataset.drifted_share);
  if (report.dataset.drifted !== null) put(g.datasetDetected, { model }, report.dataset.drifted ? 1 : 0);
  for (const [metric, v] of Object.entries(quality?.overall.metrics ?? {})) if (v !== null) put(g.quality, { model, metric }, v);
  byModel.set(model, set);
  g.lastSuccess.set({ model }, windowEndMs / 1000);
}
