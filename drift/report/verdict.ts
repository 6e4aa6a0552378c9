/**
 * The data-set verdict. Only input features (kind `feature`) count; the prediction, score and
 * label are reported but left out, as they are outputs of the model, not its data.
 *
 * With a correction configured, the p-values of the features decided by a p-value method are
 * adjusted together (Bonferroni or Benjamini–Hochberg, drift/stats) and those features' verdicts
 * use the adjusted p-value. Then: drifted_share = Σ weight·drifted / Σ weight over the features
 * with a verdict, and the data set drifted when drifted_share >= share (Evidently's rule, 0.5).
 */
import { P_VALUE_METHODS, type DriftConfig } from '../config.js';
import { benjaminiHochberg, bonferroni } from '../stats/index.js';
import type { DatasetVerdict, FeatureReport } from './types.js';

/** Adjusts the deciding p-values of the input features in place and re-derives their verdicts. */
export function applyCorrection(features: FeatureReport[], correction: DriftConfig['dataset']['correction']): void {
  if (correction === 'none') return;
  const decided = features.flatMap((f) => {
    if (f.kind !== 'feature' || f.status !== 'ok') return [];
    const r = f.results.find((x) => x.status === 'ok');
    return r && P_VALUE_METHODS.has(r.method) && r.p_value !== null && r.threshold !== null ? [{ f, r }] : [];
  });
  if (decided.length === 0) return;
  const adj = (correction === 'bonferroni' ? bonferroni : benjaminiHochberg)(decided.map((x) => x.r.p_value!));
  if (!adj.ok) return; // unreachable: p-values from drift/stats lie in [0, 1]
  decided.forEach(({ f, r }, i) => {
    r.p_adjusted = adj.adjusted[i]!;
    r.drifted = r.p_adjusted < r.threshold!;
    f.drifted = r.drifted || !!f.missing?.drifted;
    f.decided_by = r.drifted || !f.missing?.drifted ? r.method : 'missing';
  });
}

/** The weighted share of drifted input features and the data-set verdict. */
export function datasetVerdict(features: FeatureReport[], cfg: DriftConfig['dataset']): DatasetVerdict {
  const inputs = features.filter((f) => f.kind === 'feature');
  let total = 0;
  let drifted = 0;
  let evaluated = 0;
  let count = 0;
  const skipped: string[] = [];
  for (const f of inputs) {
    if (f.drifted === null) {
      skipped.push(f.feature);
      continue;
    }
    evaluated++;
    total += f.weight;
    if (f.drifted) {
      count++;
      drifted += f.weight;
    }
  }
  const share = total > 0 ? drifted / total : null;
  return {
    drifted: share === null ? null : share >= cfg.share,
    drifted_share: share,
    share_threshold: cfg.share,
    features_evaluated: evaluated,
    features_drifted: count,
    features_skipped: skipped,
    correction: cfg.correction,
  };
}
