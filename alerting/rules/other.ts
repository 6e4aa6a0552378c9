import type { Signal } from '../signals.js';
import type { RuleCheck } from './types.js';

/** Collector targets whose last scrape failed, from the stack's own `mlobs_scrape_up` gauge. */
export const targetDown: RuleCheck<'target_down'> = async (rule, ctx) => {
  const metric = ctx.registry.getSingleMetric('mlobs_scrape_up');
  if (!metric) return [];
  const { values } = await metric.get();
  return values
    .filter((v) => v.value === 0 && (!rule.target || v.labels.target === rule.target))
    .map((v) => ({ labels: { target: String(v.labels.target) }, value: 0, summary: `Collector target ${v.labels.target} is down`, why: `the last scrape of ${v.labels.target} failed (mlobs_scrape_up = 0)` }));
};

const num = (v: number) => String(Number(v.toPrecision(4)));

/** One evaluation in words: "ks statistic 0.31, p-value 0.0002 below 0.05", "psi = 0.4 over threshold 0.2". */
function measured(s: Signal): string {
  if (s.feature === '@dataset') return `${num(s.value * 100)} % of features drifted (threshold ${num(s.threshold * 100)} %)`;
  if (s.method === 'missing') return `missing share changed by ${num(s.value)} (threshold ${num(s.threshold)})`;
  if (s.pValue !== undefined) return `${s.method} statistic ${num(s.value)}, p-value ${num(s.pValue)} below ${num(s.threshold)}`;
  return `${s.method} = ${num(s.value)} over threshold ${num(s.threshold)}`;
}

/**
 * Series whose last `consecutive` drift evaluations all drifted: a feature (per method, `missing`
 * being the missingness signal) or, as feature `@dataset` and method `share`, the whole data set.
 */
export const drift: RuleCheck<'drift'> = async (rule, ctx) => {
  const series = await ctx.signals.recent(rule.consecutive, ctx.now);
  return series
    .filter((s) => (!rule.model || s.model === rule.model) && (!rule.feature || s.feature === rule.feature) && (!rule.method || s.method === rule.method))
    .filter((s) => s.signals.length >= rule.consecutive && s.signals.every((x) => x.drifted))
    .map((s) => {
      const last = s.signals[0]!;
      return {
        labels: { model: s.model, feature: s.feature, method: s.method, ...(rule.pipeline ? { pipeline: rule.pipeline } : {}) },
        value: last.value,
        summary: s.feature === '@dataset' ? `The data set of ${s.model} drifted` : `Feature ${s.feature} of ${s.model} drifted`,
        why: `${measured(last)} in the last ${rule.consecutive} evaluations (latest window ending ${new Date(last.atMs).toISOString()})`,
      };
    });
};
