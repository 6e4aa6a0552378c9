import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testStack } from '../../test/helpers/stack.js';

// Recorded sequences of KServe logger posts (headers as its Go client sends them, bodies in the
// documented v1 and v2 formats), replayed against a running stack.
type Post = { headers: Record<string, string>; body: unknown };
const load = (name: string): Post[] => JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8')).events;

// The recordings' ce-times are moved to an hour ago, keeping their spacing: fixed dates would fall
// out of the tables' retention as time passes.
function shifted(posts: Post[], idSuffix = ''): Post[] {
  const t0 = Math.min(...posts.map((p) => Date.parse(p.headers['Ce-Time']!)));
  const base = Date.now() - 3_600_000;
  return posts.map((p) => ({ ...p, headers: { ...p.headers, 'Ce-Id': p.headers['Ce-Id'] + idSuffix, 'Ce-Time': new Date(base + Date.parse(p.headers['Ce-Time']!) - t0).toISOString() } }));
}
const timeOf = (p: Post) => new Date(p.headers['Ce-Time']!).toISOString().replace('T', ' ').replace('Z', '');

let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  s = await testStack({ collectors: { kserve: { joinWaitMs: 2000, joinIntervalMs: 100, modelVersions: { 'sklearn-v2-iris': { canary: 'v2-canary' } } } } });
});
afterAll(async () => s?.stop());

const send = (p: Post) => fetch(`${s.url}/v1/kserve`, { method: 'POST', headers: p.headers, body: typeof p.body === 'string' ? p.body : JSON.stringify(p.body) });
async function replay(posts: Post[]) {
  for (const p of posts) {
    const res = await send(p);
    expect(res.status, await res.clone().text()).toBe(200);
  }
}
const COLS = `prediction_id, model_version, toString(ts) AS ts, num_features, cat_features, prediction_num, prediction_cat, score, latency_ms, status, segments`;
const predictionsOf = (ids: string[], n: number, what: string) =>
  eventually(() => s.sql(`SELECT ${COLS} FROM predictions WHERE splitByChar('#', prediction_id)[1] IN {ids:Array(String)} ORDER BY prediction_id`, { ids }), (r) => r.length >= n, { what });

describe('KServe inference logger: POST /v1/kserve', () => {
  it('joins a v1 batch into one prediction per instance (ce-id#i) and a single instance under its own ce-id', async () => {
    const posts = shifted(load('v1-sklearn-iris.json'));
    await replay(posts);
    const rows = await predictionsOf(['0009174a-24a8-4603-b098-09c8799950e9', 'iris-single-1'], 3, 'three v1 predictions');
    const seg = { component: 'predictor', namespace: 'default' };
    expect(rows).toEqual([
      { prediction_id: '0009174a-24a8-4603-b098-09c8799950e9#0', model_version: 'default', ts: timeOf(posts[0]!), num_features: { f0: 6.8, f1: 2.8, f2: 4.8, f3: 1.4 }, cat_features: {}, prediction_num: 1, prediction_cat: null, score: null, latency_ms: null, status: 'ok', segments: seg },
      { prediction_id: '0009174a-24a8-4603-b098-09c8799950e9#1', model_version: 'default', ts: timeOf(posts[0]!), num_features: { f0: 6, f1: 3.4, f2: 4.5, f3: 1.6 }, cat_features: {}, prediction_num: 1, prediction_cat: null, score: null, latency_ms: null, status: 'ok', segments: seg },
      // Named inputs keep their names (made schema-safe); class probabilities give arg-max and its score.
      { prediction_id: 'iris-single-1', model_version: 'default', ts: timeOf(posts[2]!), num_features: { 'sepal_length__cm_': 5.1, 'sepal_width__cm_': 3.5, 'petal_length__cm_': 1.4, 'petal_width__cm_': 0.2 }, cat_features: {}, prediction_num: 0, prediction_cat: null, score: 0.97, latency_ms: null, status: 'ok', segments: seg },
    ]);
    const halves = await s.sql(`SELECT half, metadata, annotations FROM kserve_halves FINAL WHERE id = 'iris-single-1' ORDER BY half`);
    expect(halves[0]).toEqual({ half: 'request', metadata: '{"X-Request-Source":["batch-scorer"]}', annotations: '{"team":"ml-platform"}' });
  });

  it('joins v2 (Open Inference Protocol) tensors: positional columns as f0…fn, named inputs by name, a probability output as the score', async () => {
    const posts = shifted(load('v2-open-inference.json'));
    await replay(posts);
    const rows = await predictionsOf(['7d4c2f0e-8f3a-4d7e-9a51-2b9f4c1e6a10', 'c1a8e3b2-5d6f-4a7b-8c9d-0e1f2a3b4c5d'], 3, 'three v2 predictions');
    const seg = { component: 'predictor', namespace: 'default' };
    expect(rows.map((r) => r.prediction_id)).toEqual(['7d4c2f0e-8f3a-4d7e-9a51-2b9f4c1e6a10#0', '7d4c2f0e-8f3a-4d7e-9a51-2b9f4c1e6a10#1', 'c1a8e3b2-5d6f-4a7b-8c9d-0e1f2a3b4c5d']);
    // The configured mapping names the canary's version; without one the endpoint is the version.
    expect(rows[0]).toMatchObject({ model_version: 'v2-canary', num_features: { f0: 6.8, f1: 2.8, f2: 4.8, f3: 1.4 }, prediction_num: 1, score: null, status: 'ok', segments: seg });
    expect(rows[1]!.num_features.f1).toBeCloseTo(3.4, 5); // FP32 data, stored as given
    // Its response came first: the prediction's time is still the request's.
    expect(rows[2]).toEqual({
      prediction_id: 'c1a8e3b2-5d6f-4a7b-8c9d-0e1f2a3b4c5d', model_version: 'canary', ts: timeOf(posts[3]!),
      num_features: { age: 39, hours_per_week: 40 }, cat_features: { workclass: 'State-gov', is_married: 'false' },
      prediction_num: null, prediction_cat: '>50K', score: 0.82, latency_ms: null, status: 'ok', segments: seg,
    });
  });

  it('keeps a request whose response never came, after the wait, as predictions without output and status no_response', async () => {
    const posts = shifted(load('lost-response.json'));
    await replay(posts);
    const rows = await predictionsOf(['5b0e9c44-lost-response'], 3, 'three no_response predictions');
    expect(rows.map((r) => [r.prediction_id, r.status, r.prediction_num, r.prediction_cat, r.score])).toEqual([0, 1, 2].map((i) => [`5b0e9c44-lost-response#${i}`, 'no_response', null, null, null]));
    expect(rows[2]!.num_features).toEqual({ f0: 6.3, f1: 2.5, f2: 5, f3: 1.9 });
  });

  it('makes one prediction of an inference whose halves are posted twice, before and after the join', async () => {
    const [req, resp] = shifted(load('v1-sklearn-iris.json').slice(2), '-twice');
    await replay([req!, req!, resp!]);
    await predictionsOf(['iris-single-1-twice'], 1, 'the joined prediction');
    await replay([resp!, req!]);
    // A later inference joined means a join round ran after the repeated halves were stored.
    const [mreq, mresp] = shifted(load('v1-sklearn-iris.json').slice(2), '-marker');
    await s.drain(); // the repeated halves are stored (their rows merge with the first ones in time)
    await replay([mreq!, mresp!]);
    await predictionsOf(['iris-single-1-marker'], 1, 'the marker prediction');
    // No FINAL: not one duplicate row, not even one that a merge would remove later.
    expect(await s.sql(`SELECT count() AS n FROM predictions WHERE prediction_id = 'iris-single-1-twice'`)).toEqual([{ n: 1 }]);
    expect(await s.sql(`SELECT outcome, predictions FROM kserve_joins WHERE id = 'iris-single-1-twice'`)).toEqual([{ outcome: 'joined', predictions: 1 }]);
  });

  it('keeps a half that arrives after its inference was joined without it as a dead letter, counted once, and changes no prediction', async () => {
    const [req, resp] = shifted(load('v1-sklearn-iris.json').slice(2), '-late');
    await replay([req!]);
    await predictionsOf(['iris-single-1-late'], 1, 'the no_response prediction');
    await replay([resp!]);
    const late = await eventually(
      () => s.sql(`SELECT id, reason, error, payload FROM dead_letters WHERE reason = 'late_half'`),
      (r) => r.some((d: any) => String(d.id).endsWith('iris-single-1-late#late-response')),
      { what: 'the late response kept as a dead letter' },
    );
    const mine = late.filter((d: any) => String(d.id).endsWith('iris-single-1-late#late-response'));
    expect(mine).toHaveLength(1);
    expect(mine[0].error).toMatch(/response half arrived after its inference was joined as no_response/);
    expect(JSON.parse(mine[0].payload).response).toBeTruthy();
    // Posted again, after a later round: still one dead letter, one count, and the prediction unchanged.
    await replay([resp!]);
    await s.drain();
    const [mreq, mresp] = shifted(load('v1-sklearn-iris.json').slice(2), '-late-marker');
    await replay([mreq!, mresp!]);
    await predictionsOf(['iris-single-1-late-marker'], 1, 'the marker prediction');
    await eventually(() => s.sql(`SELECT count() AS n FROM kserve_joins WHERE id = 'iris-single-1-late-marker'`), (r) => r[0]?.n === 1, { what: 'the marker joined' });
    expect(await s.sql(`SELECT count() AS n FROM dead_letters FINAL WHERE reason = 'late_half' AND endsWith(id, 'iris-single-1-late#late-response')`)).toEqual([{ n: 1 }]);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^mlobs_kserve_dropped_total\{reason="late_half"\} 1$/m);
    expect(await s.sql(`SELECT status, prediction_num FROM predictions WHERE prediction_id = 'iris-single-1-late'`)).toEqual([{ status: 'no_response', prediction_num: null }]);
  });

  it('publishes both halves with the Kafka key ce-id', async () => {
    const keys: (string | null)[] = [];
    const c = await s.bus.consume({ topics: ['mlobs.kserve-events'], groupId: 'test-keys', maxBatchSize: 1000, maxWaitMs: 20, handler: async (b) => void keys.push(...b.map((m) => m.key)) });
    try {
      await replay(shifted(load('v1-sklearn-iris.json').slice(0, 2), '-key'));
      await eventually(() => keys.filter((k) => k === '0009174a-24a8-4603-b098-09c8799950e9-key').length, (n) => n === 2, { what: 'both halves seen with their key' });
    } finally {
      await c.stop();
    }
  });

  it('refuses with 400 and keeps as a dead letter what is not a KServe half, naming the problem', async () => {
    const [good] = shifted(load('v1-sklearn-iris.json'), '-bad');
    const cases: [string, Post, RegExp][] = [
      ['no model', { ...good!, headers: { ...good!.headers, 'Ce-Inferenceservicename': '' } }, /model must not be empty/],
      ['another type', { ...good!, headers: { ...good!.headers, 'Ce-Type': 'com.example.other' } }, /ce-type "com.example.other" is neither/],
      ['no ce-source', { ...good!, headers: Object.fromEntries(Object.entries(good!.headers).filter(([k]) => k !== 'Ce-Source')) }, /not a CloudEvent.*source/],
      ['neither v1 nor v2', { ...good!, body: { rows: [[1, 2]] } }, /needs "instances" \(v1 protocol\) or "inputs"/],
      ['a tensor short of its shape', { ...good!, body: { inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3] }] } }, /holds 3 values but its shape \[2,2\] says 4/],
    ];
    for (const [what, post, error] of cases) {
      const res = await send(post);
      expect(res.status, what).toBe(400);
      expect(((await res.json()) as any).error, what).toMatch(error);
    }
    const dead = await eventually(() => s.sql(`SELECT reason, payload FROM dead_letters WHERE kind = 'kserve_event' AND source = 'http:kserve'`), (r) => r.length >= cases.length, { what: 'five dead letters' });
    expect(dead.every((d) => JSON.parse(d.payload).headers['ce-id'] === '0009174a-24a8-4603-b098-09c8799950e9-bad')).toBe(true);
    // A body that is not UTF-8 is kept too, as it came.
    const res = await fetch(`${s.url}/v1/kserve`, { method: 'POST', headers: good!.headers, body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).reason).toBe('invalid_utf8');
    await eventually(() => s.sql(`SELECT payload FROM dead_letters WHERE kind = 'kserve_event' AND reason = 'invalid_utf8'`), (r) => r.length === 1 && r[0]!.payload === 'base64:e//+fQ==', { what: 'the non-UTF-8 body kept' });
  });
});
