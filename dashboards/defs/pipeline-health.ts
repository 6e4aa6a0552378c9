import type * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { clickhouseVar, inVar, mlobsDashboard, row, sqlVar, statPanel, steps, stepsUp, tablePanel, tsPanel } from '../grafana/kit.js';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { UIDS } from './uids.js';

const PIPELINE = inVar('pipeline', 'pipeline');
// One row per run: events of a run (the run's own and its tasks') folded into its last status,
// its span and the row counts it last reported. A run counts at the time of its last event; a
// heartbeat (OpenLineage RUNNING/OTHER) moves that time but is no status, so it never hides one.
const RUNS = `(
  SELECT pipeline, run_id, max(ts) AS run_ts, argMaxIf(status, ts, status != 'heartbeat') AS run_status,
         dateDiff('millisecond', min(coalesce(started_at, ts)), max(coalesce(finished_at, ts))) AS run_ms,
         argMaxIf(rows_in, ts, rows_in IS NOT NULL) AS run_rows_in, argMaxIf(rows_out, ts, rows_out IS NOT NULL) AS run_rows_out
  FROM pipeline_events FINAL
  WHERE ${PIPELINE}
  GROUP BY pipeline, run_id)`;

/** Pipeline health: run status over time, durations, failures, staleness, rows in/out. */
export function pipelineHealth(): dash.DashboardBuilder {
  return mlobsDashboard(UIDS.pipelineHealth, 'Pipeline health', 'Data and training pipelines: did they run, how long, what failed, how stale is their output.')
    .withVariable(clickhouseVar())
    .withVariable(sqlVar('pipeline', 'Pipeline', `SELECT DISTINCT pipeline FROM pipeline_events ORDER BY pipeline`))
    .withRow(row('Runs'))
    .withPanel(
      tsPanel('Finished runs by status', `
        SELECT $__timeInterval(run_ts) AS time, run_status AS status, count() AS runs
        FROM ${RUNS} WHERE $__timeFilter(run_ts) AND run_status IN ('succeeded', 'failed', 'skipped')
        GROUP BY time, status
        ORDER BY time`, 'short').drawStyle(common.GraphDrawStyle.Bars).stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal)),
    )
    .withPanel(
      tsPanel('Run duration', `
        SELECT run_ts AS time, pipeline, run_ms / 1000 AS duration
        FROM ${RUNS} WHERE $__timeFilter(run_ts) AND run_status IN ('succeeded', 'failed')
        ORDER BY time`, 's').showPoints(common.VisibilityMode.Always),
    )
    .withPanel(
      tablePanel('Staleness', `
        SELECT pipeline, maxIf(run_ts, run_status = 'succeeded') AS last_success, argMax(run_status, run_ts) AS last_status,
               if(countIf(run_status = 'succeeded') = 0, NULL, dateDiff('second', maxIf(run_ts, run_status = 'succeeded'), now64(3))) AS staleness
        FROM ${RUNS}
        GROUP BY pipeline
        ORDER BY staleness DESC`)
        .description('Time since the last successful run (empty: never succeeded). Not limited to the selected range.')
        .unit('s')
        .thresholds(steps(26 * 3600, 48 * 3600)),
    )
    .withPanel(
      statPanel('Failed runs', `SELECT count() AS failed FROM ${RUNS} WHERE $__timeFilter(run_ts) AND run_status = 'failed'`, 'none').thresholds(steps(1)),
    )
    .withPanel(
      statPanel('Success rate', `SELECT countIf(run_status = 'succeeded') / nullIf(countIf(run_status IN ('succeeded', 'failed')), 0) AS success_rate FROM ${RUNS} WHERE $__timeFilter(run_ts)`, 'percentunit').thresholds(stepsUp(0.9, 0.99)),
    )
    .withRow(row('Data'))
    .withPanel(
      tsPanel('Rows in and out per run', `
        SELECT run_ts AS time, pipeline, run_rows_in AS rows_in, run_rows_out AS rows_out
        FROM ${RUNS} WHERE $__timeFilter(run_ts) AND (run_rows_in IS NOT NULL OR run_rows_out IS NOT NULL)
        ORDER BY time`, 'short').showPoints(common.VisibilityMode.Always),
    )
    .withPanel(
      tablePanel('Failures', `
        SELECT ts, pipeline, run_id, if(task = '', '(run)', task) AS step, error
        FROM pipeline_events FINAL
        WHERE $__timeFilter(ts) AND status = 'failed' AND ${PIPELINE}
        ORDER BY ts DESC
        LIMIT 200`).span(24),
    );
}
