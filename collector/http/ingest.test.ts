import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../../test/helpers/stack.js';

let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  s = await testStack({ server: { maxBodyBytes: 64 * 1024 } });
});
afterAll(async () => s?.stop());

// Relative to today: fixed dates would fall out of the tables' retention as time passes.
const T0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000;
const pred = (id: string, extra: Record<string, unknown> = {}) => ({
  model: 'ingest-model',
  prediction_id: id,
  timestamp: T0,
  features: { amount: 12.5, country: 'DE', missing: null },
  prediction: 'legit',
  score: 0.12,
  ...extra,
});

const deadLetters = (error: string) => s.sql(`SELECT kind, reason, error, payload FROM dead_letters WHERE error LIKE {e:String} ORDER BY received_at`, { e: `%${error}%` });

describe('POST /v1/predictions', () => {
  it('stores the valid events of a mixed batch and lists each rejected one with its index and reason', async () => {
    const res = await s.post('/v1/predictions', [pred('mix-1'), { ...pred('mix-2'), timestamp: 'yesterday' }, pred('mix-3'), { model: 'ingest-model' }]);
    expect(res.status).toBe(202);
    const body = (await res.json()) as any;
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r: any) => r.index)).toEqual([1, 3]);
    expect(body.rejected[0].error).toMatch(/timestamp/);
    expect(body.rejected[1].error).toMatch(/prediction_id/);
    await s.drain();
    const rows = await s.sql(`SELECT prediction_id, num_features, cat_features, null_features FROM predictions FINAL WHERE prediction_id LIKE 'mix-%' ORDER BY prediction_id`);
    expect(rows).toEqual([
      { prediction_id: 'mix-1', num_features: { amount: 12.5 }, cat_features: { country: 'DE' }, null_features: ['missing'] },
      { prediction_id: 'mix-3', num_features: { amount: 12.5 }, cat_features: { country: 'DE' }, null_features: ['missing'] },
    ]);
  });

  it('keeps every rejected event in the dead-letter table with its raw payload', async () => {
    await s.post('/v1/predictions', [pred('dl-1'), { ...pred('dl-2'), score: 'high' }]);
    await s.drain();
    const dl = await deadLetters('item 1: score');
    expect(dl).toHaveLength(1);
    expect(dl[0]).toMatchObject({ kind: 'prediction', reason: 'schema_violation' });
    expect(JSON.parse(dl[0]!.payload).prediction_id).toBe('dl-2');
  });

  it('answers 400 when no event of the batch is valid', async () => {
    const res = await s.post('/v1/predictions', [{ nope: 1 }, { model: 'x' }]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.accepted).toBe(0);
    expect(body.rejected).toHaveLength(2);
  });

  it('accepts NDJSON and rejects only the lines that are not JSON', async () => {
    const body = [JSON.stringify(pred('nd-1')), '{not json', JSON.stringify(pred('nd-2'))].join('\n');
    const res = await s.post('/v1/predictions', body, { 'content-type': 'application/x-ndjson' });
    expect(res.status).toBe(202);
    const r = (await res.json()) as any;
    expect(r.accepted).toBe(2);
    expect(r.rejected).toEqual([{ index: 1, reason: 'invalid_json', error: expect.stringMatching(/not valid JSON/) }]);
  });

  it('answers 413 for a body over the configured size', async () => {
    const big = JSON.stringify([pred('big', { features: { blob: 'x'.repeat(70 * 1024) } })]);
    const res = await s.post('/v1/predictions', big);
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).reason).toBe('body_too_large');
  });

  it('answers 400 for invalid UTF-8 and keeps the bytes as a dead letter', async () => {
    const bytes = Buffer.concat([Buffer.from('[{"model":"ingest-model","prediction_id":"utf8-'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]')]);
    const res = await s.post('/v1/predictions', bytes);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).reason).toBe('invalid_utf8');
    await s.drain();
    const dl = await s.sql(`SELECT payload FROM dead_letters WHERE reason = 'invalid_utf8'`);
    expect(dl.length).toBeGreaterThanOrEqual(1);
    expect(dl[0]!.payload).toMatch(/^base64:/);
  });

  it('rejects hostile input cleanly: wrong types, huge strings, SQL-looking names, deep nesting', async () => {
    const hostile = [
      pred('h-1', { features: { "x'); DROP TABLE predictions; --": 1 } }),
      pred('h-2', { features: { amount: 'x'.repeat(10_000) } }),
      pred('h-3', { features: { nested: { a: { b: 1 } } } }),
      pred('h-4', { features: { deep: '__DEEP__' } }),
      pred('h-5', { prediction: { class: 'a' } }),
      pred('h-6', { model: 'm; DROP TABLE x' }),
      pred('h-7', { timestamp: 1_700_000_000 }),
      pred('h-8', { extra_field: true }),
      pred('h-9', { timestamp: Date.now() - 365 * 86_400_000 }),
      pred('h-ok'),
    ];
    // 20,000 levels of nesting, spliced in as text: too deep for JSON.stringify to build.
    const res = await s.post('/v1/predictions', JSON.stringify(hostile).replace('"__DEEP__"', '['.repeat(20_000) + ']'.repeat(20_000)));
    expect(res.status).toBe(202);
    const body = (await res.json()) as any;
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r: any) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(body.rejected[0].error).toMatch(/feature name/);
    expect(body.rejected[1].error).toMatch(/longer than/);
    expect(body.rejected[6].error).toMatch(/between 2000 and 2100/);
    expect(body.rejected[7].error).toMatch(/extra_field/);
    expect(body.rejected[8]).toMatchObject({ reason: 'older_than_retention', error: expect.stringMatching(/retention/) });
    await s.drain();
    expect(await s.sql(`SELECT count() c FROM predictions WHERE prediction_id LIKE 'h-%'`)).toEqual([{ c: 1 }]);
    expect(await s.sql(`SELECT count() c FROM system.tables WHERE database = 'mlobs' AND name = 'predictions'`)).toEqual([{ c: 1 }]);
  });
});

describe('POST /v1/labels and /v1/pipeline-events', () => {
  it('stores labels joined to predictions by id', async () => {
    await s.post('/v1/predictions', [pred('lab-1'), pred('lab-2')]);
    const res = await s.post('/v1/labels', [{ model: 'ingest-model', prediction_id: 'lab-1', timestamp: T0 + 60_000, label: 'fraud' }]);
    expect(res.status).toBe(202);
    await s.drain();
    const rows = await s.sql(`SELECT p.prediction_id id, l.label_cat label FROM predictions p FINAL INNER JOIN labels l FINAL USING (model, prediction_id) WHERE p.prediction_id LIKE 'lab-%'`);
    expect(rows).toEqual([{ id: 'lab-1', label: 'fraud' }]);
  });

  it('stores a pipeline run once even when the producer resends the same event', async () => {
    const ev = { event_id: 'run-9-end', pipeline: 'nightly', run_id: 'run-9', status: 'failed', timestamp: T0, started_at: T0 - 60_000, finished_at: T0, rows_in: 10, rows_out: 0, error: 'boom' };
    await s.post('/v1/pipeline-events', [ev]);
    await s.post('/v1/pipeline-events', [ev]);
    await s.drain();
    const rows = await s.sql(`SELECT run_id, status, duration_ms, error FROM pipeline_events FINAL WHERE pipeline = 'nightly'`);
    expect(rows).toEqual([{ run_id: 'run-9', status: 'failed', duration_ms: 60000, error: 'boom' }]);
  });
});

describe('POST /v1/sql', () => {
  it('runs parameterised read-only queries', async () => {
    const res = await s.post('/v1/sql', { query: 'SELECT {a:UInt32} + 1 AS x, {s:String} AS s', params: { a: 41, s: "it's" } });
    expect(await res.json()).toMatchObject({ data: [{ x: 42, s: "it's" }], meta: [{ name: 'x' }, { name: 's' }] });
  });

  it.each([
    ['a write', 'INSERT INTO predictions (model) VALUES (1)'],
    ['DDL', 'DROP TABLE predictions'],
    ['a multi-statement', 'SELECT 1; DROP TABLE predictions'],
    ['a settings change', 'SELECT 1 SETTINGS readonly = 0'],
  ])('refuses %s and changes nothing', async (_what, query) => {
    const res = await s.post('/v1/sql', { query });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).reason).toBe('bad_query');
    expect(await s.sql(`SELECT count() c FROM system.tables WHERE database = 'mlobs' AND name = 'predictions'`)).toEqual([{ c: 1 }]);
  });
});

describe('health and self-metrics', () => {
  it('reports ready and exposes ingest counters', async () => {
    expect((await fetch(s.url + '/healthz')).status).toBe(200);
    expect(await (await fetch(s.url + '/readyz')).json()).toMatchObject({ status: 'ready', problems: [] });
    const text = await (await fetch(s.url + '/metrics')).text();
    expect(text).toMatch(/mlobs_ingest_events_total\{kind="prediction",outcome="accepted"\} \d+/);
    expect(text).toMatch(/mlobs_dead_letters_total\{kind="prediction",reason="schema_violation"\} \d+/);
    expect(text).toMatch(/mlobs_sink_insert_duration_seconds_bucket/);
    await s.drain();
    // Read at scrape time: an idle sink has no backlog.
    expect((await (await fetch(s.url + '/metrics')).text())).toMatch(/mlobs_bus_consumer_lag_messages\{kind="prediction"\} 0\n/);
  });
});
