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

/** Features whose last `consecutive` drift evaluations were all over threshold. */
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
        summary: `Feature ${s.feature} of ${s.model} drifted`,
        why: `${s.method} = ${last.value} over threshold ${last.threshold} in the last ${rule.consecutive} evaluations (latest ${new Date(last.atMs).toISOString()})`,
      };
    });
};
