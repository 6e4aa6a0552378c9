import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../core/schemas/validate.js';
import { toPipelineEvent } from './map.js';
import { checkRunEvent, type RunEventIn } from './schema.js';

const load = (f: string) => JSON.parse(readFileSync(new URL(`./testdata/${f}`, import.meta.url), 'utf8')).events as Record<string, any>[];
const airflow = load('airflow-dag-run.json');
const spec = load('spec-examples.json');
const mapped = (e: Record<string, any>) => {
  const c = checkRunEvent(e);
  if (!c.ok) throw new Error(c.error);
  return toPipelineEvent(c.event);
};
const DAG_RUN = '01937a10-0000-7000-8000-0000000000aa';

describe('OpenLineage RunEvent to pipeline event', () => {
  it('takes a run-level event as the pipeline namespace/name with no task and its own run id', () => {
    expect(mapped(airflow[0])).toMatchObject({ pipeline: 'airflow/etl', task: '', run_id: DAG_RUN, status: 'started', timestamp: Date.parse('2026-11-26T02:00:00Z'), started_at: Date.parse('2026-11-26T02:00:00Z'), finished_at: null });
  });

  it('takes a task event with a parent as the parent job pipeline, its own job as task and the parent run id', () => {
    expect(mapped(airflow[1])).toMatchObject({ pipeline: 'airflow/etl', task: 'etl.extract', run_id: DAG_RUN, status: 'started' });
  });

  it('reads the nominal-time facet into nominal_start and nominal_end', () => {
    expect(mapped(airflow[0])).toMatchObject({ nominal_start: Date.parse('2026-11-25T02:00:00Z'), nominal_end: Date.parse('2026-11-26T02:00:00Z') });
  });

  it('maps RUNNING and OTHER (and a missing type) to a heartbeat that changes no status', () => {
    expect(mapped(airflow[2])).toMatchObject({ status: 'heartbeat', started_at: null, finished_at: null, error: '' });
    expect(mapped({ ...airflow[2], eventType: 'OTHER' }).status).toBe('heartbeat');
    const { eventType: _, ...untyped } = airflow[2];
    expect(mapped(untyped).status).toBe('heartbeat');
  });

  it('sums rowCount of the input and output statistics facets into rows_in and rows_out', () => {
    expect(mapped(airflow[3])).toMatchObject({ status: 'succeeded', rows_in: 1234, rows_out: 1234, finished_at: Date.parse('2026-11-26T02:05:00Z') });
    expect(mapped(airflow[0])).toMatchObject({ rows_in: null, rows_out: null });
  });

  it('takes the error of a FAIL from the errorMessage facet', () => {
    expect(mapped(airflow[4])).toMatchObject({ status: 'failed', task: 'etl.load', error: 'relation "warehouse.orders" does not exist' });
  });

  it('maps ABORT to failed with the error aborted', () => {
    expect(mapped({ ...airflow[5], eventType: 'ABORT' })).toMatchObject({ status: 'failed', error: 'aborted' });
  });

  it('gives a resent RunEvent the same event id, and each event type of a run its own', () => {
    expect(mapped(airflow[1]).event_id).toBe(mapped(structuredClone(airflow[1])).event_id);
    expect(new Set(airflow.map((e) => mapped(e).event_id)).size).toBe(airflow.length);
  });

  it('cuts an error message longer than the pipeline event allows instead of refusing the failure', () => {
    const long = structuredClone(airflow[4]);
    long.run.facets.errorMessage.message = 'x'.repeat(10_000);
    const v = validateEvent('pipeline_event', mapped(long));
    expect(v.ok && v.event.error.length).toBe(4096);
  });

  it('turns characters a pipeline name may not hold into _', () => {
    expect(mapped({ ...spec[0], job: { namespace: 'my scheduler', name: 'daily etl' } }).pipeline).toBe('my_scheduler/daily_etl');
  });

  it('maps the spec examples to valid pipeline events', () => {
    for (const e of [...spec, ...airflow]) {
      const v = validateEvent('pipeline_event', mapped(e));
      expect(v.ok, JSON.stringify(v)).toBe(true);
    }
    expect(spec.map((e) => mapped(e).status)).toEqual(['started', 'succeeded']);
  });
});

describe('OpenLineage RunEvent schema', () => {
  it('accepts the spec examples and every event type', () => {
    for (const e of spec) expect(checkRunEvent(e).ok).toBe(true);
    for (const t of ['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER']) expect(checkRunEvent({ ...spec[0], eventType: t }).ok).toBe(true);
  });

  it('names the field that breaks the schema', () => {
    const r = checkRunEvent({ ...spec[0], run: { runId: 'not-a-uuid' } });
    expect(r).toEqual({ ok: false, error: expect.stringContaining('/run/runId: must match format "uuid"') });
    expect(checkRunEvent({ ...spec[0], eventType: 'DONE' })).toEqual({ ok: false, error: expect.stringContaining('/eventType: must be equal to one of the allowed values (START, RUNNING, COMPLETE, ABORT, FAIL, OTHER)') });
    const { producer: _, ...noProducer } = spec[0];
    expect(checkRunEvent(noProducer)).toEqual({ ok: false, error: expect.stringContaining("must have required property 'producer'") });
  });

  it('checks the facets it reads against their own schemas', () => {
    const e = structuredClone(airflow[1]) as RunEventIn & Record<string, any>;
    delete e.run.facets!.parent.run;
    expect(checkRunEvent(e)).toEqual({ ok: false, error: expect.stringContaining("/run/facets/parent: must have required property 'run'") });
    const s = structuredClone(airflow[3]);
    s.outputs[0].outputFacets.outputStatistics.rowCount = 'many';
    expect(checkRunEvent(s)).toEqual({ ok: false, error: expect.stringContaining('/outputs/0/outputFacets/outputStatistics/rowCount: must be integer') });
  });

  it('refuses a DatasetEvent or JobEvent, saying only RunEvents are accepted', () => {
    expect(checkRunEvent({ eventTime: spec[0].eventTime, producer: spec[0].producer, schemaURL: spec[0].schemaURL, dataset: { namespace: 'n', name: 'd' } })).toEqual({ ok: false, error: expect.stringContaining('only RunEvents are accepted; this looks like a DatasetEvent') });
    expect(checkRunEvent([spec[0]])).toEqual({ ok: false, error: expect.stringContaining('one event per request') });
  });
});
