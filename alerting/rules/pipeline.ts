import { isoOf, type Hit, type RuleCheck, type RuleContext } from './types.js';

/**
 * The latest failure of each pipeline that no later successful run has made good. Within the
 * latest failed run it names the latest failure that says why: a scheduler's run-level FAIL (an
 * OpenLineage DAG run) usually carries no error, while the task that failed it does. (Aliases
 * differ from column names: ClickHouse would substitute them inside the other aggregates.)
 */
export const pipelineFailed: RuleCheck<'pipeline_failed'> = async (rule, ctx) => {
  const rows = await ctx.query<Record<string, any>>(
    `SELECT pipeline, toUnixTimestamp64Milli(max(run_failed_at)) AS failed_at, toUnixTimestamp64Milli(max(run_ok_at)) AS ok_at,
            argMax(run_id, run_failed_at) AS failed_run, argMax(why_task, run_failed_at) AS failed_task,
            toUnixTimestamp64Milli(argMax(why_at, run_failed_at)) AS failed_task_at, argMax(why_error, run_failed_at) AS failed_error
     FROM (
       SELECT pipeline, run_id, maxIf(ts, status = 'failed') AS run_failed_at, maxIf(ts, status = 'succeeded' AND task = '') AS run_ok_at,
              countIf(status = 'failed') AS run_failures,
              argMaxIf(task, (error != '', ts), status = 'failed') AS why_task, argMaxIf(ts, (error != '', ts), status = 'failed') AS why_at,
              argMaxIf(error, (error != '', ts), status = 'failed') AS why_error
       FROM ${ctx.store.database}.pipeline_events FINAL
       WHERE ts > fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({now:Int64})
       GROUP BY pipeline, run_id)
     GROUP BY pipeline HAVING sum(run_failures) > 0 AND failed_at > ok_at`,
    { from: ctx.now - rule.lookbackMs, now: ctx.now },
  );
  // All pipelines in one query, filtered here, so that per-pipeline rules share one scan per cycle.
  return rows.filter((r) => !rule.pipeline || r.pipeline === rule.pipeline).map((r) => ({
    labels: { pipeline: r.pipeline },
    value: 1,
    summary: `Pipeline ${r.pipeline} failed`,
    why: `run ${r.failed_run}${r.failed_task ? ` task ${r.failed_task}` : ''} failed at ${isoOf(Number(r.failed_task_at))}${r.failed_error ? `: ${r.failed_error}` : ''}; no successful run since`,
  }));
};

/** Milliseconds since each pipeline's last successful run (Infinity if none within 10 gaps). */
export async function lastSuccessAges(ctx: RuleContext, pipelines: readonly { name: string; maxGapMs: number }[]): Promise<Map<string, { ageMs: number; lastMs?: number }>> {
  const lookback = Math.max(...pipelines.map((p) => p.maxGapMs)) * 10;
  const rows = await ctx.query<{ pipeline: string; last: number | string }>(
    `SELECT pipeline, toUnixTimestamp64Milli(max(ts)) AS last FROM ${ctx.store.database}.pipeline_events FINAL
     WHERE pipeline IN {pipelines:Array(String)} AND task = '' AND status = 'succeeded'
       AND ts > fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({now:Int64})
     GROUP BY pipeline`,
    { pipelines: pipelines.map((p) => p.name), from: ctx.now - lookback, now: ctx.now },
  );
  const last = new Map(rows.map((r) => [r.pipeline, Number(r.last)]));
  return new Map(pipelines.map((p) => [p.name, last.has(p.name) ? { ageMs: ctx.now - last.get(p.name)!, lastMs: last.get(p.name)! } : { ageMs: Infinity }]));
}

/** Pipelines whose last successful run is older than their maxGapMs (a pipeline that never succeeded is stale). */
export const pipelineStale: RuleCheck<'pipeline_stale'> = async (rule, ctx) => {
  const declared = ctx.pipelines.filter((p): p is { name: string; maxGapMs: number } => p.maxGapMs !== undefined && (!rule.pipeline || p.name === rule.pipeline));
  if (!declared.length) return [];
  const ages = await lastSuccessAges(ctx, declared);
  const hits: Hit[] = [];
  for (const p of declared) {
    const a = ages.get(p.name)!;
    if (a.ageMs <= p.maxGapMs) continue;
    hits.push({
      labels: { pipeline: p.name },
      value: Number.isFinite(a.ageMs) ? a.ageMs / 1000 : -1,
      summary: `Pipeline ${p.name} is stale`,
      why: a.lastMs
        ? `last successful run at ${isoOf(a.lastMs)}, ${Math.round(a.ageMs / 60_000)} min ago; allowed gap ${Math.round(p.maxGapMs / 60_000)} min`
        : `no successful run recorded in the last ${Math.round((p.maxGapMs * 10) / 3_600_000)} h; allowed gap ${Math.round(p.maxGapMs / 60_000)} min`,
    });
  }
  return hits;
};
