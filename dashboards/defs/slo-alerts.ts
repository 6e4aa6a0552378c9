import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { clickhouseVar, inVar, linkTo, mlobsDashboard, row, sqlVar, statPanel, steps, stepsUp, tablePanel, tsPanel } from '../grafana/kit.js';
import { UIDS } from './uids.js';

// SLIs come from predictions (availability: status = 'ok'; latency: latency_ms under the
// threshold), so they work today. Alert panels read `alert_events`, the alerting module's table
// (ts, rule, model, severity, state 'firing'|'resolved', summary), and fill in when it lands.
const MODEL = inVar('model', 'model');
const SLI = `if('$sli' = 'latency', latency_ms <= $latency_ms, status = 'ok')`;

/** SLOs and alerts: SLI over time, burn rates, error budget remaining, firing alerts and history. */
export function sloAlerts(): dash.DashboardBuilder {
  return mlobsDashboard(UIDS.sloAlerts, 'SLOs and alerts', 'Service levels of the served models against their objective, and the alerts that fired.')
    .withVariable(clickhouseVar())
    .withVariable(sqlVar('model', 'Model', `SELECT DISTINCT model FROM predictions WHERE $__timeFilter(ts) ORDER BY model`))
    .withVariable(new dash.CustomVariableBuilder('sli').label('SLI').values('availability,latency').current({ text: 'availability', value: 'availability' }))
    .withVariable(new dash.CustomVariableBuilder('objective').label('Objective (%)').values('99,99.5,99.9,99.99').current({ text: '99.5', value: '99.5' }))
    .withVariable(new dash.CustomVariableBuilder('latency_ms').label('Latency threshold (ms)').values('50,100,250,1000').current({ text: '100', value: '100' }))
    .withRow(row('Service level'))
    .withPanel(
      tsPanel('SLI', `
        SELECT $__timeInterval(ts) AS time, model, avg(${SLI}) AS sli
        FROM predictions FINAL
        WHERE $__timeFilter(ts) AND ${MODEL}
        GROUP BY time, model
        ORDER BY time`, 'percentunit').thresholds(stepsUp(0.99, 0.995)),
    )
    .withPanel(
      tsPanel('Burn rate', `
        SELECT $__timeInterval(ts) AS time, model, (1 - avg(${SLI})) / (1 - $objective / 100) AS burn_rate
        FROM predictions FINAL
        WHERE $__timeFilter(ts) AND ${MODEL}
        GROUP BY time, model
        ORDER BY time`, 'x')
        .description('How fast the error budget burns: 1 spends it exactly over the SLO window; 14.4 spends a 30-day budget in 2 days.')
        .thresholds(steps(1, 14.4)),
    )
    .withPanel(
      statPanel('Error budget remaining (selected range)', `
        SELECT model, 1 - (1 - avg(${SLI})) / (1 - $objective / 100) AS budget_remaining
        FROM predictions FINAL
        WHERE $__timeFilter(ts) AND ${MODEL}
        GROUP BY model
        ORDER BY model`, 'percentunit').thresholds(stepsUp(0, 0.25)).span(12),
    )
    .withPanel(
      tablePanel('Bad events by model', `
        SELECT model, countIf(NOT ${SLI}) AS bad, count() AS total, bad / total AS bad_share
        FROM predictions FINAL
        WHERE $__timeFilter(ts) AND ${MODEL}
        GROUP BY model
        ORDER BY bad_share DESC`).dataLinks([linkTo('Drift of this model', UIDS.modelDrift, 'var-model=${__data.fields.model}')]),
    )
    .withRow(row('Alerts'))
    .withPanel(
      tablePanel('Firing now', `
        SELECT rule, model, severity, argMax(state, ts) AS state, max(ts) AS since, argMax(summary, ts) AS summary
        FROM alert_events FINAL
        WHERE ${MODEL}
        GROUP BY rule, model, severity
        HAVING state = 'firing'
        ORDER BY severity, since DESC`).thresholds(steps()),
    )
    .withPanel(
      tsPanel('Alert transitions', `
        SELECT $__timeInterval(ts) AS time, state, count() AS transitions
        FROM alert_events FINAL
        WHERE $__timeFilter(ts) AND ${MODEL}
        GROUP BY time, state
        ORDER BY time`, 'short'),
    )
    .withPanel(
      tablePanel('Alert history', `
        SELECT ts, rule, model, severity, state, summary
        FROM alert_events FINAL
        WHERE $__timeFilter(ts) AND ${MODEL}
        ORDER BY ts DESC
        LIMIT 500`).span(24),
    );
}
