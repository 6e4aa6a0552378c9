// The hand-computed fleet through the real stack: seeded over POST /v1/gpu/metrics with explicit
// timestamps, answered by GET /v1/cost (the SQL path), and checked against the reference integration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../test/helpers/eventually.js';
import { testStack } from '../test/helpers/stack.js';
import { cost } from './cli.js';
import { parseCostQuery, type GroupBy } from './query.js';
import type { CostReport } from './report.js';
import { validateCostConfig } from './service.js';
import { pureReport } from './testing/pure-report.js';
import type { GpuReading } from './usage.js';
import { EXPECTED_BY_COMPONENT, EXPECTED_BY_TEAM, EXPECTED_COST_BY, EXPECTED_TOTAL, EXPECTED_UNOBSERVED_HOURS, FLEET_COST_CONFIG, HOUR, T0, fleetReadings, toExposition } from './testdata/fleet.js';
import { FIXTURE_RETENTION } from './testdata/fleet.js';
import { staleHours } from './rollup.js';
import { hoursOfSamplesRead } from './testing/plan.js';
import { usageStatement } from './store.js';

let s: Awaited<ReturnType<typeof testStack>>;
const FROM = '2026-11-20T00:00:00Z';
const TO = '2026-11-20T04:00:00Z';

const pred = (model: string, id: string, ts: number, tokens: Record<string, number> = {}) => ({ model, prediction_id: id, timestamp: ts, features: { x: 1, ...tokens }, prediction: 1 });
// GenAI token features of the fraud-detector's predictions, cycling: 17 + 4, 33 + 9, and an output count alone (12):
// 75 tokens per three predictions, 30,000 over the window's 1,200.
const TOKENS: Record<string, number>[] = [
  { 'gen_ai.usage.input_tokens': 17, 'gen_ai.usage.output_tokens': 4 },
  { 'gen_ai.usage.input_tokens': 33, 'gen_ai.usage.output_tokens': 9 },
  { 'gen_ai.usage.output_tokens': 12 },
];

beforeAll(async () => {
  // Rollups sealed every 200 ms, so that the reports below read them (as a running stack's do after its first minute).
  s = await testStack({ storage: { retentionDays: FIXTURE_RETENTION }, cost: { ...FLEET_COST_CONFIG, rollupEveryMs: 200 } });
  const readings = fleetReadings();
  for (const batch of [readings, readings.filter((r) => r.uuid === 'GPU-A' && r.tsMs >= T0)]) {
    const res = await s.post('/v1/gpu/metrics', toExposition(batch), { 'content-type': 'text/plain' });
    expect(res.status).toBe(202);
  }
  const fraud = Array.from({ length: 1200 }, (_, i) => pred('fraud-detector', `f-${i}`, T0 + i * 10_000, TOKENS[i % 3]));
  const eta = Array.from({ length: 600 }, (_, i) => pred('eta-regressor', `e-${i}`, T0 + i * 20_000));
  // Before the window: their tokens must not count.
  const before = Array.from({ length: 50 }, (_, i) => pred('fraud-detector', `p-${i}`, T0 - HOUR + i * 1000, TOKENS[0]));
  for (const batch of [fraud, fraud.slice(0, 100), eta, before]) expect((await s.post('/v1/predictions', batch)).status).toBe(202);
  await s.drain();
  const rules = { maxIntervalMs: 120_000, idleThreshold: 0.05 };
  await eventually(() => staleHours(s.store, { ...rules, nowMs: Date.now() }), (h) => h.length === 0, { what: 'every hour of the fleet sealed into the rollups' });
});
afterAll(async () => s?.stop());

const get = async (query: Record<string, string>) => {
  const res = await fetch(`${s.url}/v1/cost?${new URLSearchParams(query)}`);
  return { status: res.status, body: (await res.json()) as CostReport & { error?: string; reason?: string } };
};

describe('GET /v1/cost over the hand-computed fleet', () => {
  it('matches the hand-computed figures of every team and of the fleet to the cent', async () => {
    const { status, body } = await get({ by: 'team', from: FROM, to: TO });
    expect(status).toBe(200);
    for (const [team, expected] of Object.entries(EXPECTED_BY_TEAM)) expect(body.groups.find((g) => g.group === team)).toMatchObject(expected);
    expect(body.groups).toHaveLength(4);
    expect(body.total).toMatchObject(EXPECTED_TOTAL);
    expect(body.groups.reduce((a, g) => a + Math.round(g.cost * 100), 0)).toBe(2162);
    expect(body.unobserved.gpuHours).toBe(EXPECTED_UNOBSERVED_HOURS);
    expect(body.unattributed.cost).toBe(6.02);
    expect(body.previous.total?.cost).toBe(4.8);
  });

  it.each(Object.entries(EXPECTED_COST_BY))('matches the hand-computed cost per %s', async (by, expected) => {
    const { body } = await get({ by, from: FROM, to: TO });
    expect(Object.fromEntries(body.groups.map((g) => [g.group, g.cost]))).toEqual(expected);
  });

  it('groups by a pod label to the cent, the groups adding up to the total in every column', async () => {
    const { status, body } = await get({ by: 'label:app.kubernetes.io/component', from: FROM, to: TO });
    expect(status).toBe(200);
    expect(body.by).toBe('label:app.kubernetes.io/component');
    const got = Object.fromEntries(body.groups.map((g) => [g.group, { gpuHours: g.gpuHours, allocatedGpuHours: g.allocatedGpuHours, busyGpuHours: g.busyGpuHours, idleGpuHours: g.idleGpuHours, cost: g.cost, busyCost: g.busyCost, idleCost: g.idleCost }]));
    expect(got).toEqual(EXPECTED_BY_COMPONENT);
    expect(body.total).toMatchObject(EXPECTED_TOTAL);
    for (const col of ['gpuHours', 'allocatedGpuHours', 'busyGpuHours', 'idleGpuHours', 'cost', 'busyCost', 'idleCost'] as const) {
      expect(Math.round(body.groups.reduce((a, g) => a + g[col], 0) * 1e6)).toBe(Math.round(body.total[col] * 1e6));
    }
  });

  it('refuses a label grouping without a label key, naming the forms it takes', async () => {
    const { status, body } = await get({ by: 'label:', from: FROM, to: TO });
    expect(status).toBe(400);
    expect(body.error).toMatch(/label:NAME/);
  });

  it('gives each model its predictions and cost per 1,000 predictions, counting resent predictions once', async () => {
    const { body } = await get({ by: 'model', from: FROM, to: TO });
    expect(body.groups.find((g) => g.group === 'fraud-detector')).toMatchObject({ predictions: 1200, costPer1kPredictions: 8 });
    expect(body.groups.find((g) => g.group === 'eta-regressor')).toMatchObject({ predictions: 600, costPer1kPredictions: 3 });
    expect(body.groups.find((g) => g.group === '(unmapped)')).toMatchObject({ predictions: 0, costPer1kPredictions: null });
  });

  it('gives each model the cost per 1,000 tokens of its predictions, counting a resent prediction\'s tokens once and null without tokens', async () => {
    const { body } = await get({ by: 'model', from: FROM, to: TO });
    // By hand: fraud-detector costs 9.60 over the window (8 per 1,000 of its 1,200 predictions); its
    // predictions carry 30,000 tokens (the 100 resent ones counted once, the 50 before the window not
    // at all): 9.60 / 30,000 × 1,000 = 0.32.
    expect(body.groups.find((g) => g.group === 'fraud-detector')).toMatchObject({ cost: 9.6, tokens: 30_000, costPer1kTokens: 0.32 });
    // eta-regressor's predictions carry no token features: no tokens, no cost per token (not 0, not Infinity).
    expect(body.groups.find((g) => g.group === 'eta-regressor')).toMatchObject({ tokens: null, costPer1kTokens: null });
    expect(body.groups.find((g) => g.group === '(unmapped)')).toMatchObject({ tokens: null, costPer1kTokens: null });
  });

  it('agrees exactly with the reference integration over the stored samples', async () => {
    const stored = await s.sql<{ ts: string; metric: string; value: number | null; hostname: string; uuid: string; gpu_i_id: string; gpu_i_profile: string; model_name: string; namespace: string; pod: string; labels: Record<string, string> }>(
      `SELECT toUnixTimestamp64Milli(ts) AS ts, metric, value, hostname, uuid, gpu_i_id, gpu_i_profile, model_name, namespace, pod, labels FROM gpu_samples`,
    );
    const readings: GpuReading[] = stored.map((r) => ({ tsMs: Number(r.ts), metric: r.metric, value: r.value, hostname: r.hostname, uuid: r.uuid, gpuIId: r.gpu_i_id, gpuIProfile: r.gpu_i_profile, modelName: r.model_name, namespace: r.namespace, pod: r.pod, labels: r.labels }));
    const config = validateCostConfig(FLEET_COST_CONFIG);
    for (const by of ['team', 'pod', 'node', 'label:app.kubernetes.io/component'] as GroupBy[]) {
      const { body } = await get({ by, from: FROM, to: TO });
      const reference = pureReport(readings, config, parseCostQuery({ by, from: FROM, to: TO }, Date.now()));
      expect(body).toEqual(reference);
    }
  });

  it('offers the same figures to ad-hoc SQL through the cost_gpu_usage view', async () => {
    const rows = await s.sql(
      `SELECT namespace, round(sum(cost), 2) AS cost, round(sum(idle_gpu_hours), 6) AS idle
       FROM cost_gpu_usage(from_ms = {from:Int64}, to_ms = {to:Int64}, max_interval_ms = 120000, idle_threshold = 0.05)
       GROUP BY namespace ORDER BY namespace`,
      { from: T0, to: T0 + 4 * HOUR },
    );
    expect(rows).toEqual([
      { namespace: '', cost: 6.02, idle: 0 },
      { namespace: 'team-eta', cost: 1.8, idle: 0 },
      { namespace: 'team-fraud', cost: 9.6, idle: 0 },
      { namespace: 'team-research', cost: 4.2, idle: 2.5 },
    ]);
  });

  it('offers per-sample intervals to dashboards through cost_gpu_intervals, named through cost_gpu_allocations', async () => {
    const rows = await s.sql(
      `SELECT a.uuid AS uuid, sum(i.observed_ms) / 60000 AS minutes, count() AS samples
       FROM cost_gpu_intervals(from_ms = {from:Int64}, to_ms = {to:Int64}, max_interval_ms = 120000) AS i
       JOIN (SELECT gpu_key, alloc_key, any(uuid) AS uuid FROM cost_gpu_allocations GROUP BY gpu_key, alloc_key) AS a USING (gpu_key, alloc_key)
       WHERE a.uuid = 'GPU-C' GROUP BY a.uuid`,
      { from: T0, to: T0 + 4 * HOUR },
    );
    expect(rows).toEqual([{ uuid: 'GPU-C', minutes: 181, samples: 180 }]);
  });

  it('answers from the hourly rollups: the report statement reads them and no samples of the sealed hours', async () => {
    const { sql, params } = usageStatement(s.store.database, { fromMs: T0, endMs: T0 + 4 * HOUR, previousFromMs: T0 - 4 * HOUR, maxIntervalMs: 120_000, idleThreshold: 0.05 });
    const plan = (await s.store.query<{ explain: string }>(`EXPLAIN indexes = 1 ${sql}`, params)).map((r) => r.explain).join('\n');
    expect(plan).toMatch(/ReadFromMergeTree \(\w+\.cost_gpu_hourly\)/);
    // Every hour of both periods is sealed: only the samples of the cap before each period start are read.
    expect(hoursOfSamplesRead(plan)).toEqual([1, 1]);
  });

  it('splits a GPU that changes pods at the change', async () => {
    const { body } = await get({ by: 'pod', from: FROM, to: TO });
    expect(body.groups.find((g) => g.group === 'team-eta/eta-regressor-5f7b9-abcde')).toMatchObject({ gpuHours: 1.5, cost: 1.8 });
    expect(body.groups.find((g) => g.group === 'team-research/notebook-alice-0')).toMatchObject({ gpuHours: 2.5, cost: 4.2 });
  });
});

describe('GET /v1/cost refuses bad requests with a message naming the problem', () => {
  it.each([
    [{ by: 'colour' }, /unknown grouping "colour": use one of team, namespace, pod, model, node, gpu_model/],
    [{ from: TO, to: FROM }, /from must be before to: from is 2026-11-20T04:00:00.000Z, to is 2026-11-20T00:00:00.000Z/],
    [{ from: FROM, to: FROM }, /from must be before to/],
    [{ from: 'last tuesday' }, /from: not a time: "last tuesday"/],
    [{ from: '2099-01-01', to: '2099-01-02' }, /from \(2099-01-01T00:00:00.000Z\) is in the future/],
  ])('%j', async (query, message) => {
    const { status, body } = await get(query as Record<string, string>);
    expect(status).toBe(400);
    expect(body.error).toMatch(message);
  });
});

describe('mlobs cost', () => {
  const run = async (...args: string[]) => {
    let text = '';
    await cost(['--url', s.url, ...args], (t) => (text += t));
    return text;
  };

  it('prints the report as a table with the total, the unobserved time and the previous period', async () => {
    const text = await run('--by', 'team', '--from', FROM, '--to', TO);
    expect(text).toMatch(/^fraud\s+5\.71\s/m);
    expect(text).toMatch(/^TOTAL\s+13\.30\s.*\s21\.62\s/m);
    expect(text).toMatch(/unobserved.*0\.98 GPU-hours/);
    expect(text).toMatch(/previous period .*: 4\.80 USD, change 16\.82 \(350\.42%\)/);
  });

  it('prints the tokens and cost per 1,000 tokens of each model in the table', async () => {
    const text = await run('--by', 'model', '--from', FROM, '--to', TO);
    expect(text).toMatch(/^\s*model\s.*\spredictions\s+cost_per_1k_predictions\s+tokens\s+cost_per_1k_tokens\s/m);
    expect(text).toMatch(/^fraud-detector\s.*\s1200\s+8\.0000\s+30000\s+0\.3200\s/m);
    expect(text).toMatch(/^eta-regressor\s.*\s600\s+3\.0000\s+-\s+-\s/m);
  });

  it('prints CSV with one line per group and a total line', async () => {
    const lines = (await run('--by', 'node', '--from', FROM, '--to', TO, '--format', 'csv')).trim().split('\r\n');
    expect(lines[0]).toBe('node,gpu_hours,allocated_gpu_hours,busy_gpu_hours,efficiency,avg_utilisation,idle_gpu_hours,cost,busy_cost,idle_cost,previous_cost,cost_change');
    expect(lines.slice(1).map((l) => [l.split(',')[0], l.split(',')[7]])).toEqual([['n1', '12'], ['n2', '9.62'], ['TOTAL', '21.62']]);
  });

  it('prints the same JSON as the API', async () => {
    expect(JSON.parse(await run('--by', 'gpu_model', '--from', FROM, '--to', TO, '--format', 'json'))).toEqual((await get({ by: 'gpu_model', from: FROM, to: TO })).body);
  });

  it('names the flags when --to is before --from, and refuses an unknown format', async () => {
    await expect(run('--from', TO, '--to', FROM)).rejects.toThrow(/^--from must be before --to: --from is 2026-11-20T04:00:00.000Z, --to is 2026-11-20T00:00:00.000Z$/);
    await expect(run('--from', 'soon')).rejects.toThrow(/^--from: not a time: "soon"/);
    await expect(run('--format', 'xml')).rejects.toThrow(/unknown --format "xml": use one of table, csv, json/);
  });
});
