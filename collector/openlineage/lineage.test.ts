import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testStack } from '../../test/helpers/stack.js';

const load = (f: string) => JSON.parse(readFileSync(new URL(`./testdata/${f}`, import.meta.url), 'utf8')).events as Record<string, any>[];
const airflow = load('airflow-dag-run.json');
const spec = load('spec-examples.json');

let s: Awaited<ReturnType<typeof testStack>>;
// The spec's examples are from 2020: keep them within retention.
beforeAll(async () => (s = await testStack({ storage: { retentionDays: { pipelineEvents: 7300 } } })));
afterAll(async () => s?.stop());

const ms = (iso: string) => Date.parse(iso);
const rowsOf = (pipeline: string) =>
  s.sql(`SELECT task, run_id, status, toUnixTimestamp64Milli(ts) AS ts, toUnixTimestamp64Milli(nominal_start) AS nominal_start, rows_in, rows_out, error
         FROM pipeline_events FINAL WHERE pipeline = {p:String} ORDER BY ts`, { p: pipeline });

describe('POST /api/v1/lineage', () => {
  it('stores the spec example START and COMPLETE as a started and a succeeded run of namespace/name', async () => {
    for (const e of spec) {
      const res = await s.post('/api/v1/lineage', e);
      expect(res.status).toBe(200);
    }
    const rows = await eventually(() => rowsOf('my-namespace/my-job'), (r) => r.length === 2, { what: 'the two spec events stored' });
    expect(rows.map((r) => [r.task, r.run_id, r.status, Number(r.ts)])).toEqual([
      ['', '0176a8c2-fe01-7439-87e6-56a1a1b4029f', 'started', ms('2020-12-28T19:52:00.001+10:00')],
      ['', '0176a8c2-fe01-7439-87e6-56a1a1b4029f', 'succeeded', ms('2020-12-28T20:52:00.001+10:00')],
    ]);
  });

  it('stores an Airflow DAG run as one run of the DAG with its tasks, rows, error and nominal time', async () => {
    for (const e of airflow) expect((await s.post('/api/v1/lineage', e)).status).toBe(200);
    const rows = await eventually(() => rowsOf('airflow/etl'), (r) => r.length === airflow.length, { what: 'the DAG run stored' });
    expect(new Set(rows.map((r) => r.run_id))).toEqual(new Set(['01937a10-0000-7000-8000-0000000000aa']));
    expect(rows.map((r) => [r.task, r.status])).toEqual([['', 'started'], ['etl.extract', 'started'], ['etl.extract', 'heartbeat'], ['etl.extract', 'succeeded'], ['etl.load', 'failed'], ['', 'failed']]);
    expect(Number(rows[0].nominal_start)).toBe(ms('2026-11-25T02:00:00Z'));
    expect(rows[3]).toMatchObject({ rows_in: 1234, rows_out: 1234 });
    expect(rows[4].error).toBe('relation "warehouse.orders" does not exist');
  });

  it('stores a RunEvent sent twice once', async () => {
    const e = { ...spec[0], run: { runId: '0176a8c2-fe01-7439-87e6-56a1a1b40300' }, job: { namespace: 'twice', name: 'job' } };
    expect((await s.post('/api/v1/lineage', e)).status).toBe(200);
    expect((await s.post('/api/v1/lineage', e)).status).toBe(200);
    await s.drain();
    const rows = await eventually(() => s.sql(`SELECT count() AS n FROM pipeline_events FINAL WHERE pipeline = 'twice/job'`), (r) => Number(r[0].n) >= 1);
    expect(Number(rows[0].n)).toBe(1);
  });

  it('refuses an event that breaks the RunEvent schema with 400 naming the field, and keeps it as a dead letter', async () => {
    const bad = { ...spec[0], run: { runId: 'run-1' }, job: { namespace: 'bad', name: 'job' } };
    const res = await s.post('/api/v1/lineage', bad);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; reason: string };
    expect(body).toEqual({ reason: 'schema_violation', error: expect.stringContaining('/run/runId: must match format "uuid"') });
    const dl = await eventually(
      () => s.sql(`SELECT reason, error, payload FROM dead_letters FINAL WHERE source = 'http:openlineage' AND payload LIKE '%run-1%'`),
      (r) => r.length === 1,
      { what: 'the dead letter' },
    );
    expect(dl[0]).toMatchObject({ reason: 'schema_violation', error: body.error });
    expect(JSON.parse(dl[0].payload)).toEqual(bad);
  });

  it('refuses a body that is not JSON with 400 and keeps it as a dead letter', async () => {
    const res = await s.post('/api/v1/lineage', '{"eventType": START');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ reason: 'invalid_json', error: expect.stringMatching(/^body is not JSON/) });
    await eventually(() => s.sql(`SELECT count() AS n FROM dead_letters FINAL WHERE source = 'http:openlineage' AND reason = 'invalid_json'`), (r) => Number(r[0].n) === 1);
  });

  it('refuses a valid RunEvent that mlobs cannot store, naming the pipeline event field', async () => {
    const res = await s.post('/api/v1/lineage', { ...spec[0], run: { runId: '0176a8c2-fe01-7439-87e6-56a1a1b40301' }, job: { namespace: 'n', name: 'x'.repeat(200) } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ reason: 'schema_violation', error: expect.stringContaining('as a pipeline event: pipeline: pipeline longer than 128 characters') });
  });
});
