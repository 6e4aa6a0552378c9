import { stringify } from 'yaml';
import type { AlertingConfig, SloConfig } from '../config.js';
import { burnRateFactor } from '../slo/math.js';

/** A duration as PromQL writes it, in the largest unit that divides it (5m, 1h, 30d). */
export function promDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

const num = (x: number) => String(Number(x.toPrecision(12)));
const q = (v: string) => JSON.stringify(v);

/**
 * The SLI error ratio over `[w]` in PromQL, over the series the stack exposes on /metrics:
 * `mlobs_slo_events_total{slo, outcome}` (good/bad events of each event-based SLO, counted from
 * stored predictions) and `mlobs_pipeline_stale{pipeline}` (1 while stale) for freshness.
 */
export function sliErrorExpr(slo: SloConfig, w: string): string {
  if (slo.sli.type === 'freshness') return `avg_over_time(mlobs_pipeline_stale{pipeline=${q(slo.sli.pipeline)}}[${w}])`;
  const sel = `slo=${q(slo.name)}`;
  return `(sum(rate(mlobs_slo_events_total{${sel},outcome="bad"}[${w}])) or vector(0))\n/\nsum(rate(mlobs_slo_events_total{${sel}}[${w}]))`;
}

/** Labels every series of one SLO carries, after Sloth. */
function slothLabels(slo: SloConfig) {
  const service = slo.service ?? ('model' in slo.sli ? slo.sli.model : slo.sli.pipeline);
  return { sloth_id: `${service}-${slo.name}`, sloth_service: service, sloth_slo: slo.name };
}

function selector(l: Record<string, string>): string {
  return `{${Object.entries(l).map(([k, v]) => `${k}=${q(v)}`).join(', ')}}`;
}

/**
 * Prometheus recording and alerting rules for every SLO, following Sloth's conventions:
 * `slo:sli_error:ratio_rate<window>` for each window, the period ratio from the 5-minute-ish base
 * window, objective/budget/burn-rate meta series, and one page and one ticket alert per SLO with the
 * same multi-window conditions and labels as the built-in evaluator.
 */
export function prometheusRules(cfg: Pick<AlertingConfig, 'slos' | 'burnRates'>): { groups: object[] } {
  const groups: object[] = [];
  const pairs = [...cfg.burnRates.page, ...cfg.burnRates.ticket];
  const windows = [...new Set(pairs.flatMap((p) => [p.shortWindowMs, p.longWindowMs]))].sort((a, b) => a - b);
  const base = promDuration(windows[0]!);
  for (const slo of cfg.slos) {
    const sl = slothLabels(slo);
    const sel = selector(sl);
    const period = promDuration(slo.periodMs);
    const budget = num(1 - slo.objective);
    groups.push({
      name: `sloth-slo-sli-recordings-${sl.sloth_id}`,
      rules: [
        ...windows.map((w) => ({ record: `slo:sli_error:ratio_rate${promDuration(w)}`, expr: sliErrorExpr(slo, promDuration(w)), labels: { ...sl, sloth_window: promDuration(w) } })),
        {
          record: `slo:sli_error:ratio_rate${period}`,
          expr: `sum_over_time(slo:sli_error:ratio_rate${base}${sel}[${period}])\n/ ignoring (sloth_window)\ncount_over_time(slo:sli_error:ratio_rate${base}${sel}[${period}])`,
          labels: { ...sl, sloth_window: period },
        },
      ],
    });
    const on = 'on (sloth_id, sloth_slo, sloth_service) group_left';
    groups.push({
      name: `sloth-slo-meta-recordings-${sl.sloth_id}`,
      rules: [
        { record: 'slo:objective:ratio', expr: `vector(${num(slo.objective)})`, labels: sl },
        { record: 'slo:error_budget:ratio', expr: `vector(1 - ${num(slo.objective)})`, labels: sl },
        { record: 'slo:time_period:days', expr: `vector(${num(slo.periodMs / 86_400_000)})`, labels: sl },
        { record: 'slo:current_burn_rate:ratio', expr: `slo:sli_error:ratio_rate${base}${sel}\n/ ${on}\nslo:error_budget:ratio${sel}`, labels: sl },
        { record: 'slo:period_burn_rate:ratio', expr: `slo:sli_error:ratio_rate${period}${sel}\n/ ${on}\nslo:error_budget:ratio${sel}`, labels: sl },
        { record: 'slo:period_error_budget_remaining:ratio', expr: `1 - slo:period_burn_rate:ratio${sel}`, labels: sl },
      ],
    });
    const alerts: object[] = [];
    for (const severity of ['page', 'ticket'] as const) {
      if (!slo[severity]) continue;
      const expr = cfg.burnRates[severity]
        .map((p) => {
          const factor = num(burnRateFactor(p.budgetShare, slo.periodMs, p.longWindowMs));
          const cond = (w: number) => `max(slo:sli_error:ratio_rate${promDuration(w)}${sel} > (${factor} * ${budget})) without (sloth_window)`;
          return `(\n  ${cond(p.shortWindowMs)}\n  and\n  ${cond(p.longWindowMs)}\n)`;
        })
        .join('\nor\n');
      const target = 'model' in slo.sli ? { model: slo.sli.model } : { pipeline: slo.sli.pipeline };
      const { summary, description, dashboardUrl, runbookUrl, ...rest } = slo.annotations;
      alerts.push({
        alert: 'ErrorBudgetBurn',
        expr,
        labels: { ...slo.labels, slo: slo.name, severity, sli: slo.sli.type, ...target, ...(slo.service ? { service: slo.service } : {}), sloth_severity: severity },
        annotations: {
          summary: summary ?? `SLO ${slo.name} is burning its error budget too fast (${severity})`,
          description: description ?? `The ${slo.sli.type} SLI of ${slo.name} (objective ${num(slo.objective * 100)} % over ${period}) burns its error budget faster than the ${severity} burn rates allow.`,
          ...(dashboardUrl ? { dashboard_url: dashboardUrl } : {}),
          ...(runbookUrl ? { runbook_url: runbookUrl } : {}),
          ...rest,
        },
      });
    }
    if (alerts.length) groups.push({ name: `sloth-slo-alerts-${sl.sloth_id}`, rules: alerts });
  }
  return { groups };
}

/** The rules file as YAML, with a header saying where it came from. */
export function prometheusRulesYaml(cfg: Pick<AlertingConfig, 'slos' | 'burnRates'>): string {
  return `# Generated by \`mlobs slo export-prometheus\` from the alerting.slos of the mlobs config. Do not edit.\n${stringify(prometheusRules(cfg), { lineWidth: 0 })}`;
}
