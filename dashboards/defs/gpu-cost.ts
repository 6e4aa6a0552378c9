import type * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { barPanel, clickhouseVar, inVar, linkTo, mlobsDashboard, row, sqlVar, statPanel, steps, tablePanel, tsPanel } from '../grafana/kit.js';
import { UIDS } from './uids.js';

// Cost panels read `gpu_cost`, the GPU-cost module's table (one row per GPU unit and interval:
// ts, namespace, team, model, cost, idle_cost). They light up when that module lands; until then
// the every-panel test lists them as waiting. Allocation panels read gpu_samples and work today.
const FILTERS = `${inVar('namespace', 'namespace')} AND ${inVar('team', 'team')} AND ${inVar('model', 'model')}`;

const costBy = (dim: string) => `
  SELECT $__timeInterval(ts) AS time, ${dim} AS series, sum(cost) AS cost
  FROM gpu_cost FINAL
  WHERE $__timeFilter(ts) AND ${FILTERS}
  GROUP BY time, series
  ORDER BY time`;

/** GPU cost: cost over time by namespace, team and model, idle cost, cost per 1,000 predictions. */
export function gpuCost(): dash.DashboardBuilder {
  return mlobsDashboard(UIDS.gpuCost, 'GPU cost', 'What the GPUs cost, who uses them, and what sits idle. Prices and team/model mapping come from the cost configuration.')
    .withVariable(clickhouseVar())
    .withVariable(sqlVar('namespace', 'Namespace', `SELECT DISTINCT namespace FROM gpu_samples WHERE $__timeFilter(ts) AND namespace != '' ORDER BY namespace`))
    .withVariable(sqlVar('team', 'Team', `SELECT DISTINCT team FROM gpu_cost WHERE $__timeFilter(ts) ORDER BY team`))
    .withVariable(sqlVar('model', 'Model', `SELECT DISTINCT model FROM gpu_cost WHERE $__timeFilter(ts) ORDER BY model`))
    .withRow(row('Allocation'))
    .withPanel(
      barPanel('Allocated GPU-hours by namespace', `
        SELECT if(namespace = '', '(unallocated)', namespace) AS namespace, sum(minutes) / 60 AS gpu_hours
        FROM (
          SELECT namespace, uuid, gpu_i_id, uniqExact(toStartOfMinute(ts)) AS minutes
          FROM gpu_samples
          WHERE $__timeFilter(ts) AND metric = 'DCGM_FI_DEV_GPU_UTIL' AND ${inVar('namespace', 'namespace')}
          GROUP BY namespace, uuid, gpu_i_id)
        GROUP BY namespace
        ORDER BY gpu_hours DESC`, 'h')
        .description('Minutes in which a GPU (or MIG instance) reported, by the namespace of its pod.'),
    )
    .withPanel(
      tablePanel('Allocations', `
        SELECT namespace, pod, hostname AS node, gpu, gpu_i_id AS mig_instance, gpu_i_profile AS mig_profile, model_name AS gpu_model, round(avg(value), 1) AS mean_util_pct
        FROM gpu_samples
        WHERE $__timeFilter(ts) AND metric = 'DCGM_FI_DEV_GPU_UTIL' AND pod != '' AND ${inVar('namespace', 'namespace')}
        GROUP BY namespace, pod, node, gpu, mig_instance, mig_profile, gpu_model
        ORDER BY namespace, pod`).dataLinks([linkTo('GPU fleet for this node', UIDS.gpuFleet, 'var-node=${__data.fields.node}')]),
    )
    .withRow(row('Cost'))
    .withPanel(statPanel('Total cost', `SELECT sum(cost) AS cost FROM gpu_cost FINAL WHERE $__timeFilter(ts) AND ${FILTERS}`, 'currencyUSD'))
    .withPanel(statPanel('Idle cost', `SELECT sum(idle_cost) AS idle_cost FROM gpu_cost FINAL WHERE $__timeFilter(ts) AND ${FILTERS}`, 'currencyUSD').thresholds(steps(100, 1000)))
    .withPanel(
      statPanel('Idle share', `SELECT sum(idle_cost) / nullIf(sum(cost), 0) AS idle_share FROM gpu_cost FINAL WHERE $__timeFilter(ts) AND ${FILTERS}`, 'percentunit').thresholds(steps(0.2, 0.5)),
    )
    .withPanel(tsPanel('Cost by namespace', costBy('namespace'), 'currencyUSD').stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal)))
    .withPanel(tsPanel('Cost by team', costBy('team'), 'currencyUSD'))
    .withPanel(tsPanel('Cost by model', costBy('model'), 'currencyUSD'))
    .withPanel(
      tsPanel('Idle cost by namespace', `
        SELECT $__timeInterval(ts) AS time, namespace AS series, sum(idle_cost) AS idle_cost
        FROM gpu_cost FINAL
        WHERE $__timeFilter(ts) AND ${FILTERS}
        GROUP BY time, series
        ORDER BY time`, 'currencyUSD'),
    )
    .withPanel(
      barPanel('Cost per 1,000 predictions', `
        SELECT c.model AS model, c.cost / p.predictions * 1000 AS cost_per_1000
        FROM (SELECT model, sum(cost) AS cost FROM gpu_cost FINAL WHERE $__timeFilter(ts) AND ${FILTERS} GROUP BY model) AS c
        INNER JOIN (SELECT model, count() AS predictions FROM predictions FINAL WHERE $__timeFilter(ts) GROUP BY model) AS p ON c.model = p.model
        ORDER BY cost_per_1000 DESC`, 'currencyUSD')
        .dataLinks([linkTo('Drift of this model', UIDS.modelDrift, 'var-model=${__data.fields.model}')]),
    );
}
