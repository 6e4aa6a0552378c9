import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { clickhouseVar, inVar, linkTo, mlobsDashboard, registryAnnotation, row, sqlVar, statPanel, steps, stepsUp, tablePanel, tsPanel } from '../grafana/kit.js';
import { UIDS } from './uids.js';

// SLIs come from predictions (availability: status = 'ok'; latency: latency_ms under the
// threshold). Alert panels read `alerting_alerts` (alerting/migrations.ts), the alerting module's
// state: one row per alert fingerprint (ReplacingMergeTree, read with FINAL) with its labels,
// annotations, state ('pending' | 'firing' | 'resolved', and 'inactive' once a resolved alert has
// been dropped from memory), and fired_at_ms / resolved_at_ms of its latest episode. There is no
// transition log, so history is each alert's latest episode.
const MODEL = inVar('model', 'model');
const ALERT_MODEL = inVar("labels['model']", 'model');
const ALERTNAME = "labels['alertname']";
const SEVERITY = "labels['severity']";
const SEVERITY_RANK = `indexOf(['critical', 'page', 'warning', 'ticket', 'info'], ${SEVERITY})`;
/** The labels other than alertname and severity, as k=v text (slo, sli, model, pipeline, gpu…). */
const OTHER_LABELS = `arrayStringConcat(arrayMap(k -> concat(k, '=', labels[k]), arraySort(arrayFilter(k -> k NOT IN ('alertname', 'severity'), mapKeys(labels)))), ', ')`;
/** An episode that fired and overlaps the range. */
const EPISODE_IN_RANGE = `fired_at_ms > 0 AND fired_at_ms <= toUnixTimestamp64Milli($__toTime_ms) AND (resolved_at_ms = 0 OR resolved_at_ms >= toUnixTimestamp64Milli($__fromTime_ms))`;
const MODEL_NOTE = 'A model selection keeps the alerts labelled with that model (SLO burn and drift alerts); "All" shows every alert, pipeline and GPU alerts too.';
const HISTORY_NOTE = 'The alerting module stores each alert\'s current state, not a log of transitions: an alert that fired several times shows its latest episode only.';
// Latency and time to first token against the threshold; a row without the value (no TTFT on a
// non-streaming call) is NULL, which avg() skips: neither good nor bad, as in alerting/slo/sli.ts.
const SLI = `multiIf('$sli' = 'latency', latency_ms <= $latency_ms, '$sli' = 'ttft', ttft_ms <= $latency_ms, status = 'ok')`;
// no_response (a request whose response never came) is neither good nor bad, as in alerting/slo/sli.ts.
const COUNTED = `status != 'no_response'`;

/** SLOs and alerts: SLI over time, burn rates, error budget remaining, firing alerts and history. */
export function sloAlerts(): dash.DashboardBuilder {
  return mlobsDashboard(UIDS.sloAlerts, 'SLOs and alerts', 'Service levels of the served models against their objective, and the alerts that fired.')
    .withVariable(clickhouseVar())
    .withVariable(sqlVar('model', 'Model', `SELECT DISTINCT model FROM predictions WHERE $__timeFilter(ts) ORDER BY model`))
    .annotation(registryAnnotation(inVar('model', 'model')))
    .withVariable(new dash.CustomVariableBuilder('sli').label('SLI').values('availability,latency,ttft').current({ text: 'availability', value: 'availability' }))
    .withVariable(new dash.CustomVariableBuilder('objective').label('Objective (%)').values('99,99.5,99.9,99.99').current({ text: '99.5', value: '99.5' }))
    .withVariable(new dash.CustomVariableBuilder('latency_ms').label('Latency / TTFT threshold (ms)').values('50,100,250,1000').current({ text: '100', value: '100' }))
    .withRow(row('Service level'))
    .withPanel(
      tsPanel('SLI', `
        SELECT $__timeInterval(ts) AS time, model, avg(${SLI}) AS sli
        FROM predictions FINAL
        WHERE $__timeFilter(ts) AND ${MODEL} AND ${COUNTED}
        GROUP BY time, model
        ORDER BY time`, 'percentunit').thresholds(stepsUp(0.99, 0.995)),
    )
    .withPanel(
      tsPanel('Burn rate', `
        SELECT $__timeInterval(ts) AS time, model, (1 - avg(${SLI})) / (1 - $objective / 100) AS burn_rate
        FROM predictions FINAL
        WHERE $__timeFilter(ts) AND ${MODEL} AND ${COUNTED}
        GROUP BY time, model
        ORDER BY time`, 'x')
        .description('How fast the error budget burns: 1 spends it exactly over the SLO window; 14.4 spends a 30-day budget in 2 days.')
        .thresholds(steps(1, 14.4)),
    )
    .withPanel(
      statPanel('Error budget remaining (selected range)', `
        SELECT model, 1 - (1 - avg(${SLI})) / (1 - $objective / 100) AS budget_remaining
        FROM predictions FINAL
        WHERE $__timeFilter(ts) AND ${MODEL} AND ${COUNTED}
        GROUP BY model
        ORDER BY model`, 'percentunit').thresholds(stepsUp(0, 0.25)).span(12),
    )
    .withPanel(
      tablePanel('Bad events by model', `
        SELECT model, countIf(NOT ${SLI}) AS bad, count() AS total, bad / total AS bad_share
        FROM predictions FINAL
        WHERE $__timeFilter(ts) AND ${MODEL} AND ${COUNTED}
        GROUP BY model
        ORDER BY bad_share DESC`).dataLinks([linkTo('Drift of this model', UIDS.modelDrift, 'var-model=${__data.fields.model}')]),
    )
    .withRow(row('Alerts'))
    .withPanel(
      tablePanel('Firing now', `
        SELECT ${ALERTNAME} AS alertname, ${SEVERITY} AS severity, ${OTHER_LABELS} AS other_labels, fromUnixTimestamp64Milli(fired_at_ms, 'UTC') AS since,
          value, annotations['summary'] AS summary
        FROM alerting_alerts FINAL
        WHERE state = 'firing' AND ${ALERT_MODEL}
        ORDER BY ${SEVERITY_RANK}, since DESC`)
        .description(`Alerts firing now, as the alerting module holds them (its state table). ${MODEL_NOTE}`)
        .span(24),
    )
    .withPanel(
      tsPanel('Firing alerts', `
        SELECT toDateTime(bucket * $__interval_s) AS time, severity, count() AS firing
        FROM (
          SELECT ${SEVERITY} AS severity,
            intDiv(greatest(fired_at_ms, toUnixTimestamp64Milli($__fromTime_ms)), $__interval_s * 1000) AS first,
            intDiv(least(if(resolved_at_ms > 0, resolved_at_ms, toUnixTimestamp64Milli(now64(3))), toUnixTimestamp64Milli($__toTime_ms)), $__interval_s * 1000) AS last
          FROM alerting_alerts FINAL
          WHERE ${EPISODE_IN_RANGE} AND ${ALERT_MODEL})
        ARRAY JOIN range(first, last + 1) AS bucket
        GROUP BY time, severity
        ORDER BY time`, 'short')
        .description(`Alerts firing in each time bucket, by severity. ${HISTORY_NOTE}`),
    )
    .withPanel(
      tablePanel('Alert history', `
        SELECT fromUnixTimestamp64Milli(fired_at_ms, 'UTC') AS started, if(resolved_at_ms > 0, fromUnixTimestamp64Milli(resolved_at_ms, 'UTC'), NULL) AS resolved,
          if(state = 'inactive', 'resolved', state) AS status, ${ALERTNAME} AS alertname, ${SEVERITY} AS severity, ${OTHER_LABELS} AS other_labels,
          (if(resolved_at_ms > 0, resolved_at_ms, toUnixTimestamp64Milli(now64(3))) - fired_at_ms) / 1000 AS duration_s, annotations['summary'] AS summary
        FROM alerting_alerts FINAL
        WHERE ${EPISODE_IN_RANGE} AND ${ALERT_MODEL}
        ORDER BY started DESC
        LIMIT 500`)
        .description(`Alerts that fired in the selected range, newest first. ${HISTORY_NOTE}`)
        .span(12),
    );
}
