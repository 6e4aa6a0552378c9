import type { RunEventIn } from './schema.js';

/** How each RunEvent type changes a run; RUNNING, OTHER and a missing type only say it is alive. */
const STATUS = {
  START: 'started',
  COMPLETE: 'succeeded',
  FAIL: 'failed',
  ABORT: 'failed',
  RUNNING: 'heartbeat',
  OTHER: 'heartbeat',
} as const;

const MAX_ERROR = 4096; // the pipeline event schema's bound on `error`

/**
 * The pipeline name of a job: `namespace/name`. Characters a pipeline name may not hold (it becomes
 * a label value and a dashboard variable) become `_`, so a namespace such as `my scheduler` still maps.
 */
export const pipelineName = (job: { namespace: string; name: string }) => `${job.namespace}/${job.name}`.replace(/[^A-Za-z0-9_.:\/-]/g, '_');

const ms = (iso: string) => Date.parse(iso);

/** Sums a statistics facet's rowCount over datasets; null when no dataset reports one. */
function rows(datasets: { [k: string]: any }[] | undefined, facets: 'inputFacets' | 'outputFacets', facet: string): number | null {
  let total: number | null = null;
  for (const d of datasets ?? []) {
    const n = d[facets]?.[facet]?.rowCount;
    if (typeof n === 'number') total = (total ?? 0) + n;
  }
  return total;
}

/**
 * The mlobs pipeline event of a validated OpenLineage RunEvent (a plain object, validated next by
 * the pipeline event schema like any other). Pure: the same RunEvent always maps to the same
 * event, event_id included, so a resent RunEvent is stored once.
 */
export function toPipelineEvent(e: RunEventIn): Record<string, unknown> {
  const facets = e.run.facets ?? {};
  const parent = facets.parent as { run: { runId: string }; job: { namespace: string; name: string } } | undefined;
  const type = e.eventType ?? 'OTHER';
  const status = STATUS[type];
  const at = ms(e.eventTime);
  const nominal = facets.nominalTime as { nominalStartTime: string; nominalEndTime?: string } | undefined;
  const message = (facets.errorMessage as { message: string } | undefined)?.message;
  const error = type === 'ABORT' ? (message ? `aborted: ${message}` : 'aborted') : status === 'failed' ? (message ?? '') : '';
  return {
    // The event's own run id (a task attempt's), not the parent's: each task's events stay distinct.
    event_id: `openlineage:${e.run.runId}:${type}:${at}`,
    // An Airflow task's job is `dag.task` with the DAG run as parent: the DAG is the pipeline.
    pipeline: pipelineName(parent ? parent.job : e.job),
    run_id: parent ? parent.run.runId : e.run.runId,
    task: parent ? e.job.name : '',
    status,
    timestamp: at,
    started_at: type === 'START' ? at : null,
    finished_at: type === 'COMPLETE' || type === 'FAIL' || type === 'ABORT' ? at : null,
    nominal_start: nominal ? ms(nominal.nominalStartTime) : null,
    nominal_end: nominal?.nominalEndTime ? ms(nominal.nominalEndTime) : null,
    rows_in: rows(e.inputs, 'inputFacets', 'inputStatistics'),
    rows_out: rows(e.outputs, 'outputFacets', 'outputStatistics'),
    // Cut at the bound rather than refuse the event: a failure is worth more than its whole stack text.
    error: error.length > MAX_ERROR ? error.slice(0, MAX_ERROR).toWellFormed() : error,
  };
}
