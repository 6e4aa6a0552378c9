/**
 * The tests of `mlobs drift check`, after Evidently's test suites: each has a value measured on
 * the files and a condition, from checks.yaml or derived from the reference. Pure: the numbers come
 * from the drift report and a few engine summaries (run.ts).
 *
 * Conditions derived from the reference, when the YAML gives none:
 * - row_count: the current file has at least `drift.minValues` rows (enough for a verdict);
 * - dataset_drift: the drifted share stays below `drift.dataset.share` (Evidently's drift_share);
 * - feature_drift: the feature's drift verdict (its method and threshold, as the report decides);
 * - missing_share: the current share of missing values is at most the reference's + `drift.missingThreshold`;
 * - new_categories: no category absent from the reference holds enough current values for a cell
 *   of its own in the drift tests (stats/sparse.ts: expected count `sparse.minExpected` on the
 *   smaller side), so the long tail of a high-cardinality feature does not fail it;
 * - value_range: per tail, fewer current values beyond the reference's min (max) than a sample of
 *   the same distribution reaches with probability 0.5 %: for exchangeable values,
 *   P(at least k of m beyond the max of n) = Π_{i<k} (m − i)/(n + m − i).
 */
import { z } from 'zod';
import { driftConfigSchema, type DriftConfig } from '../config.js';
import type { DriftReport } from '../report/types.js';

const range = z.object({ min: z.number().finite().optional(), max: z.number().finite().optional() }).strict();
const perFeature = z
  .object({
    /** Absolute bounds instead of the reference's min and max; values outside may make up at most max_share. */
    value_range: range.extend({ max_share: z.number().min(0).max(1).default(0) }).strict().optional(),
    missing_share: z.object({ max: z.number().min(0).max(1) }).strict().optional(),
    new_categories: z.object({ max_share: z.number().min(0).max(1) }).strict().optional(),
    skip: z.array(z.enum(['feature_drift', 'missing_share', 'new_categories', 'value_range'])).default([]),
  })
  .strict();

export const checksFileSchema = z
  .object({
    /** The `drift:` section of the stack's config: methods, thresholds, sparse, dataset share… */
    drift: z.unknown().optional(),
    columns: z
      .object({ prediction: z.string().optional(), score: z.string().optional(), label: z.string().optional(), ignore: z.array(z.string()).default([]) })
      .strict()
      .prefault({}),
    checks: z
      .object({
        row_count: range.optional(),
        dataset_drift: z.object({ max_share: z.number().gt(0).max(1) }).strict().optional(),
        feature_drift: z.object({ enabled: z.boolean().default(true) }).strict().prefault({}),
        missing_share: z.object({ max_delta: z.number().min(0).max(1) }).strict().optional(),
        new_categories: z.object({ max_share: z.number().min(0).max(1) }).strict().optional(),
        value_range: z.object({ enabled: z.boolean().default(true), tail_probability: z.number().gt(0).lt(1).default(0.005) }).strict().prefault({}),
        features: z.record(z.string(), perFeature).default({}),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ChecksFile = Omit<z.infer<typeof checksFileSchema>, 'drift'> & { drift: DriftConfig };

/** Validates a parsed checks.yaml; throws a message naming the bad key. */
export function parseChecks(raw: unknown): ChecksFile {
  const r = checksFileSchema.safeParse(raw ?? {});
  if (!r.success) throw new Error(r.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; '));
  const d = driftConfigSchema.safeParse(r.data.drift ?? {});
  if (!d.success) throw new Error(d.error.issues.map((i) => `drift.${i.path.join('.')}: ${i.message}`).join('; '));
  return { ...r.data, drift: d.data };
}

export interface CheckResult {
  check: 'row_count' | 'dataset_drift' | 'feature_drift' | 'missing_share' | 'new_categories' | 'value_range';
  feature: string | null;
  passed: boolean;
  /** What was measured, in words with the number. */
  value: string;
  /** The condition, and where it came from (`yaml` or `reference`). */
  condition: string;
  source: 'yaml' | 'reference';
}

/** Per numerical feature: the reference's min and max and how many current values fall outside given bounds. */
export interface RangeSummary {
  refMin: number;
  refMax: number;
  below: number;
  above: number;
  /** Current values of the feature. */
  values: number;
}

/** Per categorical feature: current values in categories absent from the reference. */
export interface NewCategorySummary {
  values: number;
  referenceValues: number;
  /** Current values in categories the reference lacks, and the largest such category. */
  newValues: number;
  largest: { category: string; count: number } | null;
}

/** Smallest k with P(at least k of m values beyond the extreme of n) <= p, for exchangeable values. */
export function tailLimit(n: number, m: number, p: number): number {
  let prob = 1;
  for (let k = 1; k <= m; k++) {
    prob *= (m - k + 1) / (n + m - k + 1);
    if (prob <= p) return k;
  }
  return m + 1;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(4));

export interface CheckInput {
  report: DriftReport;
  ranges: Map<string, RangeSummary>;
  categories: Map<string, NewCategorySummary>;
  checks: ChecksFile;
}

/** Evaluates every check, in a stable order: data-set checks first, then per feature. */
export function evaluateChecks(input: CheckInput): CheckResult[] {
  const { report, ranges, categories, checks } = input;
  const cfg = checks.drift;
  const c = checks.checks;
  const out: CheckResult[] = [];
  const rows = report.window.rows;
  const rc = c.row_count;
  const minRows = rc?.min ?? cfg.minValues;
  const maxRows = rc?.max;
  out.push({
    check: 'row_count', feature: null, passed: rows >= minRows && (maxRows === undefined || rows <= maxRows), value: `${rows} rows`,
    condition: `>= ${minRows}${maxRows !== undefined ? ` and <= ${maxRows}` : ''}`, source: rc ? 'yaml' : 'reference',
  });
  const share = c.dataset_drift?.max_share ?? cfg.dataset.share;
  const ds = report.dataset;
  out.push({
    check: 'dataset_drift', feature: null, passed: ds.drifted_share === null || ds.drifted_share < share,
    value: ds.drifted_share === null ? 'no feature has a verdict' : `${ds.features_drifted} of ${ds.features_evaluated} features drifted (${pct(ds.drifted_share)})`,
    condition: `share < ${pct(share)}`, source: c.dataset_drift ? 'yaml' : 'reference',
  });
  for (const f of report.features) {
    const own = c.features[f.feature];
    const skip = new Set(own?.skip ?? []);
    if (c.feature_drift.enabled && !skip.has('feature_drift') && f.drifted !== null) {
      const r = f.results.find((x) => x.method === f.decided_by) ?? f.results.find((x) => x.status === 'ok');
      const stat = r && r.statistic !== null ? `${r.method} ${fmt(r.p_adjusted ?? r.p_value ?? r.statistic)}${r.p_value !== null ? ' (p-value)' : ''}` : (f.decided_by ?? '-');
      const why = f.decided_by === 'missing' ? ' (missing share)' : f.decided_by === 'type' ? ' (type changed)' : '';
      out.push({
        check: 'feature_drift', feature: f.feature, passed: !f.drifted, value: stat + why,
        condition:
          f.decided_by === 'missing' && f.missing
            ? `missing share moves by <= ${pct(f.missing.threshold)} (moved ${pct(f.missing.delta)})`
            : r?.threshold != null
              ? `${r.p_value !== null ? 'p-value >=' : 'distance <'} ${fmt(r.threshold)}${r.threshold_source !== 'fixed' ? ` (${r.threshold_source})` : ''}`
              : 'no drift',
        source: 'reference',
      });
    }
    if (f.kind !== 'feature') continue;
    if (!skip.has('missing_share') && f.current.missing_share !== null) {
      const limit = own?.missing_share?.max ?? (f.reference.missing_share ?? 0) + (c.missing_share?.max_delta ?? cfg.missingThreshold);
      out.push({
        check: 'missing_share', feature: f.feature, passed: f.current.missing_share <= limit + 1e-12, value: pct(f.current.missing_share),
        condition: `<= ${pct(Math.min(1, limit))}${own?.missing_share ? '' : ` (reference ${pct(f.reference.missing_share ?? 0)} + ${pct(c.missing_share?.max_delta ?? cfg.missingThreshold)})`}`,
        source: own?.missing_share || c.missing_share ? 'yaml' : 'reference',
      });
    }
    const cat = categories.get(f.feature);
    if (cat && f.type === 'categorical' && !skip.has('new_categories') && cat.values > 0) {
      const maxShare = own?.new_categories?.max_share ?? c.new_categories?.max_share;
      const newShare = cat.newValues / cat.values;
      const value = `${pct(newShare)} of values in new categories${cat.largest ? `; largest ${JSON.stringify(cat.largest.category)}: ${cat.largest.count}` : ''}`;
      if (maxShare !== undefined) {
        out.push({ check: 'new_categories', feature: f.feature, passed: newShare <= maxShare, value, condition: `share <= ${pct(maxShare)}`, source: 'yaml' });
      } else {
        const n = cat.referenceValues;
        const cell = Math.ceil((cfg.sparse.minExpected * (n + cat.values)) / Math.max(1, Math.min(n, cat.values)));
        out.push({ check: 'new_categories', feature: f.feature, passed: (cat.largest?.count ?? 0) < cell, value, condition: `no new category with >= ${cell} values`, source: 'reference' });
      }
    }
    const rg = ranges.get(f.feature);
    if (rg && c.value_range.enabled && !skip.has('value_range') && rg.values > 0) {
      const own_ = own?.value_range;
      const lo = own_?.min ?? rg.refMin;
      const hi = own_?.max ?? rg.refMax;
      const value = `${rg.below} below ${fmt(lo)}, ${rg.above} above ${fmt(hi)} (of ${rg.values})`;
      if (own_) {
        const out_ = (rg.below + rg.above) / rg.values;
        out.push({ check: 'value_range', feature: f.feature, passed: out_ <= own_.max_share, value, condition: `share outside [${fmt(lo)}, ${fmt(hi)}] <= ${pct(own_.max_share)}`, source: 'yaml' });
      } else {
        const k = tailLimit(f.reference.values, rg.values, c.value_range.tail_probability);
        out.push({ check: 'value_range', feature: f.feature, passed: rg.below < k && rg.above < k, value, condition: `< ${k} per tail beyond the reference's range`, source: 'reference' });
      }
    }
  }
  return out;
}
