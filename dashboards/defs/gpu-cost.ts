import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { GPU_SHARE_SQL } from '../../core/contracts/gpu-share.js';
import { barPanel, clickhouseVar, inVar, linkTo, mlobsDashboard, row, sqlVar, statPanel, steps, tablePanel, tsPanel } from '../grafana/kit.js';
import { UIDS } from './uids.js';

// Cost panels read the cost module's SQL (cost/sql.ts, cost/README.md), so they give the figures
// `mlobs cost` gives: `cost_gpu_usage` (per GPU unit, allocation and price segment: hours, cost, idle
// cost) for totals and groups, `cost_gpu_intervals` (per sample) for cost over time, priced from
// `cost_prices` (the running stack's configured prices). The window is Grafana's time range in ms;
// the sample cap and idle threshold are variables that should match the stack's cost config.
// Teams and models are mapped from namespace and pod by the cost config, which SQL cannot see:
// panels group by what SQL has (namespace, pod, node, GPU model) and say so.
// `cost_gpu_usage` reads the cost module's hourly rollups where they stand (for the stack's cap and idle
// threshold, which are these variables' defaults), so totals and groups cost GPUs x hours. The panels over
// time stay on per-sample intervals: a bucket finer than an hour cannot be answered from hourly rollups.
const WINDOW = 'from_ms = toUnixTimestamp64Milli($__fromTime_ms), to_ms = toUnixTimestamp64Milli($__toTime_ms), max_interval_ms = $sample_cap_ms';
const USAGE = `cost_gpu_usage(${WINDOW}, idle_threshold = $idle_pct / 100)`;
const NAMESPACE = inVar('namespace', 'namespace');
/** Time without a pod is billed to nobody: its own group, as in the report. */
const NS = `if(namespace = '', '(unallocated)', namespace)`;

const MAPPING_NOTE = 'Teams and models are mapped from namespaces and pods in the cost configuration, which SQL does not see: `mlobs cost --by team` and `--by model` (or GET /v1/cost) apply it.';

/**
 * One row per sample interval inside the range, with its names, physical-GPU-hours (MIG share),
 * cost at the price of its start and idle cost (allocated and below the idle threshold). An interval
 * (at most the sample cap long) counts in the time bucket where it starts.
 */
const INTERVAL_COST = `
  SELECT fromUnixTimestamp64Milli(i.start_ms, 'UTC') AS ts, a.namespace AS namespace, a.pod AS pod, a.hostname AS node, a.model_name AS gpu_model,
    i.observed_ms * (${GPU_SHARE_SQL.replace(/gpu_i_profile|model_name/g, 'a.$&').replace(/\s*\n\s*/g, ' ')}) / 3600000 AS gpu_hours,
    arrayFirstIndex(p -> p.1 = a.model_name AND p.2 <= i.start_ms AND i.start_ms < p.3, prices) AS own,
    arrayFirstIndex(p -> p.1 = '' AND p.2 <= i.start_ms AND i.start_ms < p.3, prices) AS dflt,
    gpu_hours * if(own > 0, prices[own].4, if(dflt > 0, prices[dflt].4, NULL)) AS cost,
    if(a.pod != '' AND i.util < $idle_pct / 100, cost, 0) AS idle_cost
  FROM cost_gpu_intervals(${WINDOW}) AS i
  INNER JOIN (
    SELECT gpu_key, alloc_key, any(namespace) AS namespace, any(pod) AS pod, any(hostname) AS hostname, any(model_name) AS model_name, any(gpu_i_profile) AS gpu_i_profile
    FROM cost_gpu_allocations
    GROUP BY gpu_key, alloc_key
  ) AS a ON i.gpu_key = a.gpu_key AND i.alloc_key = a.alloc_key`;

const overTime = (series: string, value: string) => `
  WITH (SELECT groupArray((gpu_model, valid_from_ms, valid_to_ms, per_hour)) FROM cost_prices) AS prices
  SELECT $__timeInterval(ts) AS time, ${series} AS series, sum(${value}) AS ${value}
  FROM (${INTERVAL_COST.replace(/\n/g, '\n  ')}
  )
  WHERE ${NAMESPACE}
  GROUP BY time, series
  ORDER BY time`;

/**
 * Pods of a Deployment are named `<deployment>-<replicaset hash>-<suffix>`; a model served by the
 * Deployment of its own name (the demo's and the usual convention) is the pod name less those two parts.
 */
const SERVED_MODEL = `replaceRegexpOne(pod, '-[a-z0-9]+-[a-z0-9]+$', '')`;

/** GPU cost: allocated GPU-hours, cost and idle cost by namespace, node, GPU model and pod, cost per 1,000 predictions. */
export function gpuCost(): dash.DashboardBuilder {
  return mlobsDashboard(
    UIDS.gpuCost,
    'GPU cost',
    'What the GPUs cost, who uses them, and what sits idle, computed by the cost module\'s SQL views at the prices the stack is configured with. ' + MAPPING_NOTE,
  )
    .withVariable(clickhouseVar())
    .withVariable(sqlVar('namespace', 'Namespace', `SELECT DISTINCT namespace FROM gpu_samples WHERE $__timeFilter(ts) AND namespace != '' ORDER BY namespace`))
    .withVariable(sqlVar('model', 'Model', `SELECT DISTINCT model FROM predictions WHERE $__timeFilter(ts) ORDER BY model`))
    .withVariable(new dash.CustomVariableBuilder('idle_pct').label('Idle below (%)').values('1,5,10,20').current({ text: '5', value: '5' }))
    .withVariable(
      new dash.CustomVariableBuilder('sample_cap_ms')
        .label('Max sample interval (ms)')
        .description('The most one sample accounts for; use the stack\'s cost.maxSampleIntervalMs for the figures `mlobs cost` gives.')
        .values('15000,30000,60000,120000,300000')
        .current({ text: '60000', value: '60000' }),
    )
    .withRow(row('Allocation'))
    .withPanel(
      barPanel('GPU-hours by namespace', `
        SELECT ${NS} AS namespace, sum(gpu_hours) AS gpu_hours, sum(busy_gpu_hours) AS busy_gpu_hours
        FROM ${USAGE}
        WHERE ${NAMESPACE}
        GROUP BY namespace
        ORDER BY gpu_hours DESC`, 'h')
        .description('Observed physical-GPU-hours (a MIG slice counts as its share of the GPU) held by each namespace, and the busy part of them. GPUs without a pod are "(unallocated)".'),
    )
    .withPanel(
      tablePanel('Allocations', `
        SELECT namespace, pod, hostname AS node, gpu, gpu_i_id AS mig_instance, gpu_i_profile AS mig_profile, model_name AS gpu_model, round(avg(value), 1) AS mean_util_pct
        FROM gpu_samples
        WHERE $__timeFilter(ts) AND metric = 'DCGM_FI_DEV_GPU_UTIL' AND pod != '' AND ${NAMESPACE}
        GROUP BY namespace, pod, node, gpu, mig_instance, mig_profile, gpu_model
        ORDER BY namespace, pod`).dataLinks([linkTo('GPU fleet for this node', UIDS.gpuFleet, 'var-node=${__data.fields.node}')]),
    )
    .withRow(row('Cost'))
    .withPanel(statPanel('Total cost', `SELECT sum(cost) AS cost FROM ${USAGE} WHERE ${NAMESPACE}`, 'currencyUSD').description('Observed GPU time at its price, allocated or not (unpriced time excluded: see "Unpriced GPU-hours").'))
    .withPanel(statPanel('Idle cost', `SELECT sum(idle_cost) AS idle_cost FROM ${USAGE} WHERE ${NAMESPACE}`, 'currencyUSD').thresholds(steps(100, 1000)).description('Allocated GPU time below the idle threshold, at its price.'))
    .withPanel(
      statPanel('Idle share', `SELECT sum(idle_cost) / nullIf(sum(cost), 0) AS idle_share FROM ${USAGE} WHERE ${NAMESPACE}`, 'percentunit').thresholds(steps(0.2, 0.5)),
    )
    .withPanel(
      statPanel('Unpriced GPU-hours', `SELECT sumIf(coalesce(gpu_hours, observed_ms / 3600000), cost IS NULL) AS unpriced_gpu_hours FROM ${USAGE} WHERE ${NAMESPACE}`, 'h')
        .thresholds(steps(0.000001))
        .description('GPU time of a GPU model (or at a time) no configured price covers, or of an unreadable MIG profile: left out of every cost here, and an error in `mlobs cost`.'),
    )
    .withPanel(
      tsPanel('Cost by namespace', overTime(NS, 'cost'), 'currencyUSD')
        .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
        .description(`Cost per time bucket (a sample's interval counts where it starts). ${MAPPING_NOTE}`),
    )
    .withPanel(
      tsPanel('Cost by GPU model', overTime('gpu_model', 'cost'), 'currencyUSD')
        .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
        .description('Cost per time bucket by the GPU model DCGM reports, each at its own price.'),
    )
    .withPanel(
      tsPanel('Idle cost by namespace', overTime(NS, 'idle_cost'), 'currencyUSD').description('Allocated GPU time below the idle threshold, at its price, per time bucket.'),
    )
    .withPanel(
      tablePanel('Cost by pod', `
        SELECT ${NS} AS namespace, pod, hostname AS node, model_name AS gpu_model, gpu_i_profile AS mig_profile,
          sum(gpu_hours) AS total_gpu_hours, sum(busy_gpu_hours) / nullIf(total_gpu_hours, 0) AS utilisation,
          sum(idle_gpu_hours) AS idle_gpu_hours, sum(cost) AS cost, sum(idle_cost) AS idle_cost
        FROM ${USAGE}
        WHERE ${NAMESPACE}
        GROUP BY namespace, pod, node, gpu_model, mig_profile
        ORDER BY cost DESC`)
        .description(`Per pod and GPU unit. ${MAPPING_NOTE}`)
        .dataLinks([linkTo('GPU fleet for this node', UIDS.gpuFleet, 'var-node=${__data.fields.node}')]),
    )
    .withPanel(
      barPanel('Cost per 1,000 predictions', `
        SELECT p.model AS model, c.cost / p.predictions * 1000 AS cost_per_1000
        FROM (
          SELECT ${SERVED_MODEL} AS model, sum(cost) AS cost
          FROM ${USAGE}
          WHERE pod != '' AND ${NAMESPACE}
          GROUP BY model) AS c
        INNER JOIN (
          SELECT model, uniqExact(prediction_id) AS predictions
          FROM predictions
          WHERE $__timeFilter_ms(ts) AND ${inVar('model', 'model')}
          GROUP BY model) AS p ON c.model = p.model
        ORDER BY cost_per_1000 DESC`, 'currencyUSD')
        .description(
          'GPU cost of the pods of the Deployment named like the model (pods `<model>-<hash>-<suffix>`) per 1,000 distinct predictions of the model. ' +
            'An approximation for models served that way: the model mapping of the cost configuration is not in SQL; `mlobs cost --by model` applies it.',
        )
        .dataLinks([linkTo('Drift of this model', UIDS.modelDrift, 'var-model=${__data.fields.model}')]),
    );
}
