/**
 * One feature's report: its status (type changed, missing on one side, too few values), the
 * requested methods, the missingness signal, and the verdict.
 */
import type { DriftConfig, DriftMethod, DriftModelConfig } from '../config.js';
import type { FeatureData, SideData, ValueType } from '../engine/collect.js';
import { PSEUDO } from '../engine/streams.js';
import { defaultMethod, methodsFor, thresholdFor, type MethodRequest } from './choose.js';
import { computeMethod, isDrift } from './methods.js';
import type { FeatureKind, FeatureReport, MissingSignal, SideSummary } from './types.js';

export interface FeatureContext {
  cfg: DriftConfig;
  model: DriftModelConfig | undefined;
  requested: MethodRequest[];
  /** Thresholds learned from reference chunks, per feature and method. */
  learned?: Map<string, Partial<Record<DriftMethod, number>>>;
}

export function kindOf(name: string): FeatureKind {
  if (name === PSEUDO.prediction) return 'prediction';
  if (name === PSEUDO.score) return 'score';
  if (name === PSEUDO.label) return 'label';
  return 'feature';
}

function summary(s: SideData, type: ValueType | null, kind: FeatureKind): SideSummary {
  const values = type === 'categorical' ? s.categorical : s.numeric;
  const other = type === 'categorical' ? s.numeric : s.categorical;
  // A label that has not arrived is not missing data; its rows are the labelled ones.
  const rows = kind === 'label' ? s.numeric + s.categorical : s.rows;
  const missing = Math.max(0, rows - s.numeric - s.categorical);
  return { rows, values, missing, missing_share: rows > 0 ? missing / rows : null, type: s.type, other_type_values: type ? other : 0 };
}

function missingSignal(ref: SideSummary, cur: SideSummary, kind: FeatureKind, threshold: number): MissingSignal | null {
  if (kind === 'label' || ref.missing_share === null || cur.missing_share === null) return null;
  const delta = cur.missing_share - ref.missing_share;
  return { reference_share: ref.missing_share, current_share: cur.missing_share, delta, threshold, drifted: Math.abs(delta) > threshold };
}

const describe = (s: SideData) => `${s.numeric} numerical and ${s.categorical} categorical values`;

/** Builds the report of one feature from its summaries. */
export function featureReport(d: FeatureData, ctx: FeatureContext): FeatureReport {
  const { cfg, model } = ctx;
  const kind = kindOf(d.name);
  const type = d.reference.type ?? d.current.type;
  const override = model?.features[d.name];
  const reference = summary(d.reference, type, kind);
  const current = summary(d.current, type, kind);
  const missing = missingSignal(reference, current, kind, cfg.missingThreshold);
  const base: FeatureReport = {
    feature: d.name,
    kind,
    type,
    status: 'ok',
    message: null,
    drifted: null,
    decided_by: null,
    weight: override?.weight ?? 1,
    reference,
    current,
    missing,
    results: [],
  };
  const byMissing = (status: FeatureReport['status'], message: string): FeatureReport => ({
    ...base,
    status,
    message,
    drifted: missing?.drifted ? true : null,
    decided_by: missing?.drifted ? 'missing' : null,
  });

  if (d.reference.type && d.current.type && d.reference.type !== d.current.type) {
    return {
      ...base,
      type: null,
      status: 'type_changed',
      message: `type changed: ${d.reference.type} in the reference (${describe(d.reference)}), ${d.current.type} in the current window (${describe(d.current)})`,
      drifted: true,
      decided_by: 'type',
    };
  }
  if (!d.reference.type && !d.current.type) return byMissing('insufficient_data', 'no non-null values on either side');
  if (!d.reference.type) return byMissing('missing_in_reference', `no values in the reference (${reference.rows} rows); ${current.values} in the current window`);
  if (!d.current.type) return byMissing('missing_in_current', `no values in the current window (${current.rows} rows); ${reference.values} in the reference`);

  const lowCardinality = !!d.profile && d.profile.distinct <= cfg.lowCardinalityMax;
  const treatAs = type === 'categorical' || lowCardinality ? 'categorical' : 'numerical';
  const methods = methodsFor(ctx.requested, override?.method, defaultMethod(treatAs, reference.values, cfg));
  const unseen = new Set<string>();
  const results = methods.map((method, i) => {
    const r = computeMethod(method, { data: d, minValues: cfg.minValues, sparse: cfg.sparse });
    for (const u of r.unseen ?? []) unseen.add(u);
    delete r.unseen;
    if (r.status !== 'ok' || r.statistic === null) return r;
    const spec = thresholdFor(method, cfg, model, d.name, i === 0);
    const learned = ctx.learned?.get(d.name)?.[method];
    if (spec === 'learned' && learned === undefined) {
      return { ...r, status: 'insufficient_data' as const, message: `${method}: a learned threshold needs ${cfg.learned.chunks} reference chunks with at least ${cfg.minValues} values each` };
    }
    const threshold = spec === 'learned' ? learned! : spec;
    const drifted = isDrift(method, r.statistic, r.p_value, threshold);
    // A distance on a sparse table that sampling noise explains is no evidence of drift (stats/sparse.ts).
    const noise = r.details.noise_p_value;
    if (drifted && typeof noise === 'number' && noise >= cfg.sparse.noiseAlpha) {
      return { ...r, threshold, threshold_source: spec === 'learned' ? ('learned' as const) : ('fixed' as const), drifted: false, details: { ...r.details, within_noise: true } };
    }
    return { ...r, threshold, threshold_source: spec === 'learned' ? ('learned' as const) : ('fixed' as const), drifted };
  });
  const decider = results.find((r) => r.status === 'ok');
  const out: FeatureReport = { ...base, results };
  if (unseen.size) out.unseen_categories = [...unseen];
  if (d.categoriesTruncated) out.categories_truncated = true;
  if (!decider) {
    const first = results[0];
    return { ...out, ...byMissing('insufficient_data', first?.message ?? 'no method applies'), results, unseen_categories: out.unseen_categories };
  }
  out.drifted = decider.drifted! || !!missing?.drifted;
  out.decided_by = decider.drifted || !missing?.drifted ? decider.method : 'missing';
  return out;
}
