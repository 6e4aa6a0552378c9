// MLflow registry webhooks end to end on the embedded engine: deliveries signed as MLflow signs them,
// stored once, and an alias move switching the drift reference to the previous holder's window.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../app/config.js';
import { buildDashboards } from '../dashboards/build.js';
import { expandQuery } from '../dashboards/testing/macros.js';
import { Registry } from 'prom-client';
import { silentLogger } from '../core/log.js';
import { driftTable } from '../drift/cli/format.js';
import { driftConfigSchema } from '../drift/config.js';
import { createDriftGauges } from '../drift/schedule/gauges.js';
import { evaluateWindow } from '../drift/schedule/scheduler.js';
import { DAY, day, normals, postAll, predictions } from '../drift/testing/data.js';
import { testStack } from '../test/helpers/stack.js';
import { HEADER, sign } from './signature.js';

const SECRET = 'whsec-mlobs-e2e-secret-0001';
const TOKEN = 'mlobs-bearer-token-for-tests';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const fixture = (event: string) => JSON.parse(readFileSync(new URL(`./testdata/mlflow/${event}.json`, import.meta.url), 'utf8'));
let s: Awaited<ReturnType<typeof testStack>>;

/** Posts a delivery as MLflow's sender does: raw JSON body, delivery id, Unix-seconds timestamp, v1 signature. */
async function deliver(body: unknown, o: { id?: string; secret?: string; timestampS?: number; raw?: string } = {}) {
  const raw = o.raw ?? JSON.stringify(body);
  const id = o.id ?? randomUUID();
  const ts = String(o.timestampS ?? Math.floor(Date.now() / 1000));
  const res = await fetch(`${s.url}/v1/registry/mlflow`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [HEADER.deliveryId]: id, [HEADER.timestamp]: ts, [HEADER.signature]: sign(o.secret ?? SECRET, id, ts, raw) },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as any, id };
}

/** A documented payload with this model, version or alias, sent as happening at `atMs`. */
function event(name: string, data: Record<string, string>, atMs: number) {
  const f = fixture(name);
  return { ...f, timestamp: new Date(atMs).toISOString().replace('Z', '+00:00'), data: { ...f.data, ...data } };
}

async function sql<T = any>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const res = await s.post('/v1/sql', { query, params }, AUTH);
  const body = (await res.json()) as { data: T[]; error?: string };
  if (!res.ok) throw new Error(`SQL failed: ${body.error}`);
  return body.data;
}

const count = async (query: string, params: Record<string, unknown> = {}) => Number((await sql<{ n: unknown }>(query, params))[0]!.n);

beforeAll(async () => {
  s = await testStack({
    server: { authToken: TOKEN },
    registry: { mlflow: { secret: SECRET, versionPrefix: 'v', models: { 'Fraud Detector': 'fraud' } } },
  });
}, 120_000);
afterAll(async () => s?.stop());

describe('the MLflow webhook endpoint', () => {
  it('refuses a short secret when the config is validated', () => {
    expect(() => validateConfig({ registry: { mlflow: { secret: 'short' } } })).toThrow(/registry\.mlflow\.secret: must be at least 16 characters/);
  });

  it('takes the secret from MLOBS_MLFLOW_WEBHOOK_SECRET, as a Kubernetes Secret would hand it over', () => {
    const secret = 'from-the-environment-0123456789';
    expect((loadConfig({ env: { MLOBS_MLFLOW_WEBHOOK_SECRET: secret } }) as any).registry.mlflow.secret).toBe(secret);
    expect(() => loadConfig({ env: { MLOBS_MLFLOW_WEBHOOK_SECRET: 'short' } })).toThrow(/registry\.mlflow\.secret: must be at least 16 characters/);
  });

  it('takes deliveries without the bearer token (the signature authenticates them) while other routes still need it', async () => {
    const r = await deliver(event('model_version.created', { name: 'auth-probe', version: '1' }, Date.now()));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect((await fetch(`${s.url}/v1/sql`, { method: 'POST', body: '{"query":"SELECT 1"}' })).status).toBe(401);
  });

  it('stores each event type it uses, with mlobs model and version names', async () => {
    const at = Date.UTC(2026, 0, 5, 12);
    const created = await deliver(event('model_version.created', { name: 'Fraud Detector', version: '7' }, at));
    const alias = await deliver(event('model_version_alias.created', { name: 'Fraud Detector', alias: 'staging', version: '7' }, at + 1000));
    const deleted = await deliver(event('model_version_alias.deleted', { name: 'Fraud Detector', alias: 'staging' }, at + 2000));
    for (const r of [created, alias, deleted]) expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(created.body).toMatchObject({ stored: true, event: 'model_version.created', model: 'fraud', version: 'v7', alias: '' });
    const rows = await sql(
      `SELECT delivery_id, event, model, version, alias, toUnixTimestamp64Milli(ts) AS ts FROM registry_events FINAL WHERE delivery_id IN ({ids:Array(String)}) ORDER BY ts`,
      { ids: [created.id, alias.id, deleted.id] },
    );
    expect(rows.map((r) => [r.event, r.model, r.version, r.alias, Number(r.ts)])).toEqual([
      ['model_version.created', 'fraud', 'v7', '', at],
      ['model_version_alias.created', 'fraud', 'v7', 'staging', at + 1000],
      ['model_version_alias.deleted', 'fraud', '', 'staging', at + 2000],
    ]);
  });

  it('stores a retried delivery (same delivery id) once', async () => {
    const body = event('model_version.created', { name: 'retried', version: '1' }, Date.now());
    const first = await deliver(body);
    const again = await deliver(body, { id: first.id });
    expect(first.body.stored).toBe(true);
    expect(again).toMatchObject({ status: 200, body: { duplicate: true, delivery_id: first.id } });
    expect(await count(`SELECT count() AS n FROM registry_events WHERE delivery_id = {d:String}`, { d: first.id })).toBe(1);
  });

  it('accepts events it has no use for, stores nothing and counts them', async () => {
    for (const name of ['registered_model.created', 'model_version_tag.set']) {
      const r = await deliver(event(name, { name: 'ignored-model' }, Date.now()));
      expect(r).toMatchObject({ status: 200, body: { ignored: true, event: name } });
    }
    expect(await count(`SELECT count() AS n FROM registry_events WHERE model = 'ignored-model'`)).toBe(0);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/mlobs_registry_webhooks_total\{event="registered_model.created",outcome="ignored"\} 1/);
    expect(metrics).toMatch(/mlobs_registry_webhooks_total\{event="model_version_tag.set",outcome="ignored"\} 1/);
  });

  it('answers 401 to a wrong secret, a tampered body and a stale timestamp, and stores none of them', async () => {
    const body = event('model_version.created', { name: 'forged', version: '1' }, Date.now());
    const wrong = await deliver(body, { secret: SECRET + '!' });
    expect(wrong).toMatchObject({ status: 401, body: { reason: 'bad_signature' } });
    const raw = JSON.stringify(body);
    const id = randomUUID();
    const ts = String(Math.floor(Date.now() / 1000));
    const tampered = await fetch(`${s.url}/v1/registry/mlflow`, {
      method: 'POST',
      headers: { [HEADER.deliveryId]: id, [HEADER.timestamp]: ts, [HEADER.signature]: sign(SECRET, id, ts, raw) },
      body: raw.replace('"forged"', '"forgee"'),
    });
    expect(tampered.status).toBe(401);
    const stale = await deliver(body, { timestampS: Math.floor(Date.now() / 1000) - 3600 });
    expect(stale).toMatchObject({ status: 401, body: { reason: 'stale_timestamp' } });
    expect(stale.body.error).toMatch(/beyond the tolerance of 300 s/);
    const missing = await fetch(`${s.url}/v1/registry/mlflow`, { method: 'POST', body: raw });
    expect(missing.status).toBe(401);
    expect(await count(`SELECT count() AS n FROM registry_events WHERE model IN ('forged', 'forgee')`)).toBe(0);
    expect(await count(`SELECT count() AS n FROM dead_letters WHERE source = 'http:mlflow' AND payload LIKE '%forge%'`)).toBe(0);
  });

  it('answers 400 to signed bodies that are not JSON or not a payload it knows, and keeps them as dead letters', async () => {
    const notJson = await deliver(null, { raw: '{"entity": "model_version", ' });
    expect(notJson).toMatchObject({ status: 400, body: { reason: 'invalid_json' } });
    const noVersion = await deliver(event('model_version.created', { name: 'fraud' }, Date.now()), { raw: JSON.stringify({ entity: 'model_version', action: 'created', data: { name: 'fraud' } }) });
    expect(noVersion).toMatchObject({ status: 400, body: { reason: 'schema_violation' } });
    expect(noVersion.body.error).toMatch(/model_version.created: data.version/);
    const badName = await deliver(event('model_version.created', { name: 'my model', version: '2' }, Date.now()));
    expect(badName.body.error).toMatch(/"my model" is not a valid mlobs model name.*registry.mlflow.models/);
    expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(/mlobs_dead_letters_total\{kind="unknown",reason="schema_violation"\} 2/);
    expect(await s.drain()).toBe(true); // dead letters travel the bus to their table, as every receiver's do
    const kept = await sql(`SELECT id, reason FROM dead_letters FINAL WHERE source = 'http:mlflow' ORDER BY reason, id`);
    expect(kept).toEqual(
      expect.arrayContaining([
        { id: `mlflow:${notJson.id}`, reason: 'invalid_json' },
        { id: `mlflow:${noVersion.id}`, reason: 'schema_violation' },
        { id: `mlflow:${badName.id}`, reason: 'schema_violation' },
      ]),
    );
  });
});

describe('an alias move', () => {
  // v3 serves from day 2, champion since then; v4 (larger amounts) shadows on day 2 and becomes champion on day 3.
  const SET = day(2);
  const MOVED = day(3);
  const v = (version: string) => () => ({ model_version: version });
  const report = async (from: number, extra = '') => {
    const res = await fetch(`${s.url}/v1/drift/report?model=fraud&from=${from}&to=${from + DAY}${extra}`, { headers: AUTH });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    const post = (path: string, body: unknown) => s.post(path, body, AUTH);
    await postAll(post, '/v1/predictions', predictions('fraud', 'old3', day(1), { amount: normals(11, 300, 80, 10) }, v('v3'))); // before the alias: not v3's champion window
    await postAll(post, '/v1/predictions', predictions('fraud', 'p3', SET, { amount: normals(12, 1200, 50, 10) }, v('v3')));
    await postAll(post, '/v1/predictions', predictions('fraud', 's4', SET + 2 * 3_600_000, { amount: normals(13, 200, 58, 10) }, v('v4'))); // shadow: not v3
    await postAll(post, '/v1/predictions', predictions('fraud', 'p4', MOVED + 3_600_000, { amount: normals(14, 500, 58, 10) }, v('v4')));
    expect(await s.drain()).toBe(true);
    for (const [e, data, at] of [
      ['model_version.created', { version: '3' }, SET - 60_000],
      ['model_version_alias.created', { alias: 'champion', version: '3' }, SET],
      ['model_version.created', { version: '4' }, SET + 3_600_000],
      ['model_version_alias.created', { alias: 'champion', version: '4' }, MOVED],
    ] as const) {
      const r = await deliver(event(e, { name: 'Fraud Detector', ...data }, at));
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
  }, 120_000);

  it("makes v4's drift report compare with v3 over the time v3 was champion", async () => {
    const r = await report(MOVED, '&reference=alias:champion');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // Exactly v3's 1200 rows of [SET, MOVED): neither v3's rows before the alias nor v4's shadow rows.
    expect(r.body.reference).toEqual({ type: 'alias', alias: 'champion', version: 'v3', holder: 'v4', from: new Date(SET).toISOString(), to: new Date(MOVED).toISOString(), rows: 1200 });
    expect(r.body.window.rows).toBe(500);
    expect(r.body.features.find((f: any) => f.feature === 'amount')).toMatchObject({ drifted: true });
    expect(driftTable(r.body)).toContain(`reference ${new Date(SET).toISOString()} – ${new Date(MOVED).toISOString()} (version v3, which held alias champion before v4) (1200 rows)`);
  });

  it('names the problem for a window before the alias ever moved', async () => {
    const r = await report(SET, '&reference=alias:champion');
    expect(r.status).toBe(409);
    expect(r.body.error).toMatch(/alias champion of model fraud has only ever been held by version v3/);
  });

  it('names the problem for an alias never set', async () => {
    const r = await report(MOVED, '&reference=alias:production');
    expect(r.status).toBe(409);
    expect(r.body.error).toMatch(/alias production of model fraud was never set/);
  });

  it("makes the scheduled evaluation of v4's window, configured with the alias, use v3's champion window", async () => {
    const config = driftConfigSchema.parse({ models: [{ model: 'fraud', reference: { type: 'alias', alias: 'champion' }, schedule: { every: '1d' } }] });
    const deps = { store: s.store, config, logger: silentLogger, now: () => Date.now(), gauges: createDriftGauges(new Registry()) };
    await evaluateWindow(deps, config.models[0]!, { fromMs: MOVED, toMs: MOVED + DAY });
    const rows = await sql(
      `SELECT reference, n_reference, n_current, drifted FROM drift_results FINAL WHERE model = 'fraud' AND feature = 'amount' AND window_start = fromUnixTimestamp64Milli({f:Int64}, 'UTC') AND method != 'missing'`,
      { f: MOVED },
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(JSON.parse(r.reference)).toEqual({ type: 'alias', alias: 'champion', version: 'v3', holder: 'v4', from: new Date(SET).toISOString(), to: new Date(MOVED).toISOString(), rows: 1200 });
      expect([Number(r.n_reference), Number(r.n_current)]).toEqual([1200, 500]);
    }
  });

  it('takes the alias as a declared reference too', async () => {
    const put = await fetch(`${s.url}/v1/models/fraud/reference`, { method: 'PUT', body: JSON.stringify({ type: 'alias', alias: 'champion' }), headers: { 'content-type': 'application/json', ...AUTH } });
    expect(put.status, await put.clone().text()).toBe(200);
    expect((await report(MOVED)).body.reference).toMatchObject({ type: 'alias', version: 'v3', rows: 1200 });
  });

  it('shows on the model dashboards as annotations: the new version, and the alias moving to it', async () => {
    for (const d of buildDashboards().filter((x) => ['mlobs-model-drift', 'mlobs-slo-alerts'].includes(x.uid))) {
      const annotations = ((d.json.annotations as { list?: { target?: { rawSql?: string } }[] }).list ?? []).filter((a) => a.target?.rawSql?.includes('registry_events'));
      expect(annotations, d.uid).toHaveLength(1);
      const sql = expandQuery(annotations[0]!.target!.rawSql!, { fromMs: SET - DAY, toMs: MOVED + DAY, intervalS: 300, vars: { model: { values: ['fraud'], all: false } } });
      const rows = (await s.store.readOnlyQuery(sql)).data as { time: unknown; title: string; tags: string }[];
      expect(rows.map((r) => r.title), d.uid).toEqual(['New version v3 of fraud', 'Alias champion → v3 (fraud)', 'New version v4 of fraud', 'Alias champion → v4 (fraud)']);
      expect(rows[2]!.tags).toBe('model_version.created,v4');
    }
  });
});
