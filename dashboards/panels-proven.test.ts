// Every panel proven: each ClickHouse query of every generated dashboard, expanded as Grafana and
// the plugin expand it, runs on the real engine over demo data and yields what its panel draws.
import { afterAll, describe, expect, it } from 'vitest';
import { testStack } from '../test/helpers/stack.js';
import { buildDashboards } from './build.js';
import { expandQuery, type QueryContext, type VarValue } from './testing/macros.js';
import { columnProblem } from './testing/requirements.js';
import { promMetrics, promTargets, sqlTargets, tablesOf } from './testing/targets.js';
import { PROOF_CONFIG, seedDemo } from './testing/seed.js';

const now = Date.now();
const stack = await testStack(PROOF_CONFIG);
afterAll(() => stack.stop());
await seedDemo(stack, now);

const dashboards = buildDashboards();
// Tables and views of the stack's database, and the engine's table functions (`FROM numbers(…)`).
const existing = new Set(
  (await stack.store.query<{ name: string }>(`SELECT name FROM system.tables WHERE database = {db:String} UNION ALL SELECT name FROM system.table_functions`, { db: stack.store.database })).map((r) => r.name),
);
const range = { fromMs: now - 3 * 3_600_000, toMs: now + 60_000, intervalS: 300 };
const run = (sql: string) => stack.store.readOnlyQuery(sql);

type Var = { name: string; type: string; query?: unknown; multi?: boolean; includeAll?: boolean; current?: { value?: unknown } };

/** Variable selections to try: "All" (or the first value) everywhere, then each value of single-value variables in turn. */
async function selections(d: (typeof dashboards)[number]): Promise<Record<string, VarValue>[]> {
  const vars: Record<string, VarValue> = {};
  const options: Record<string, string[]> = {};
  for (const v of (d.json.templating?.list ?? []) as Var[]) {
    if (v.type === 'datasource') vars[v.name] = { values: ['unused'], all: false };
    else if (v.type === 'custom') vars[v.name] = { values: [String(v.current?.value)], all: false };
    else if (v.type === 'query') {
      const tables = tablesOf(String(v.query));
      const missing = tables.filter((t) => !existing.has(t));
      const values = missing.length ? [] : (await run(expandQuery(String(v.query), { ...range, vars }))).data.map((r) => String(Object.values(r)[0]));
      options[v.name] = values;
      vars[v.name] = v.includeAll ? { values, all: true } : { values: values.slice(0, 1), all: false };
    }
  }
  const out = [{ ...vars }];
  for (const [name, values] of Object.entries(options)) {
    if (vars[name]!.all && values.length) out.push({ ...vars, [name]: { values: values.slice(0, 1), all: false } });
    else for (const v of values.slice(1, 3)) out.push({ ...vars, [name]: { values: [v], all: false } });
  }
  return out;
}

for (const d of dashboards) {
  describe(`dashboard "${d.title}"`, () => {
    for (const t of sqlTargets([d])) {
      const missing = t.tables.filter((x) => !existing.has(x));
      if (missing.length) {
        // Every module has landed: a panel over a table nobody creates is broken, not waiting.
        it(`panel "${t.panel}" reads only tables that exist`, () => {
          expect.fail(`panel "${t.panel}" reads ${missing.join(', ')}, which no migration creates`);
        });
        continue;
      }
      it(`panel "${t.panel}" runs on the engine and returns the columns a ${t.panelType} needs, with rows`, async () => {
        const sels = await selections(d);
        let rows = 0;
        for (const vars of sels) {
          const ctx: QueryContext = { ...range, vars };
          const sql = expandQuery(t.sql, ctx);
          const r = await run(sql).catch((e: Error) => {
            throw new Error(`${e.message}\n--- expanded SQL ---\n${sql}`);
          });
          expect(columnProblem(t.panelType, t.format, r.meta), sql).toBeNull();
          rows += r.rows;
        }
        if (process.env.PROOF_DEBUG) console.log(`${t.panel}: ${rows} rows over ${sels.length} selections`);
        expect(rows, `no rows for any variable selection:\n${t.sql}`).toBeGreaterThan(0);
      });
    }
    for (const v of ((d.json.templating?.list ?? []) as Var[]).filter((x) => x.type === 'query')) {
      const missing = tablesOf(String(v.query)).filter((x) => !existing.has(x));
      if (missing.length)
        it(`variable $${v.name} reads only tables that exist`, () => {
          expect.fail(`variable $${v.name} reads ${missing.join(', ')}, which no migration creates`);
        });
      else
        it(`variable $${v.name} lists values`, async () => {
          const sels = await selections(d);
          const r = await run(expandQuery(String(v.query), { ...range, vars: sels[0]! }));
          expect(r.rows).toBeGreaterThan(0);
        });
    }
  });
}

describe('the stack-itself dashboard', () => {
  it('selects only metric names that the stack exposes on /metrics', async () => {
    const exposed = new Set([...(await (await fetch(`${stack.url}/metrics`)).text()).matchAll(/^# TYPE (\S+) (\S+)/gm)].flatMap((m) => (m[2] === 'histogram' ? [`${m[1]}_bucket`, `${m[1]}_sum`, `${m[1]}_count`] : [m[1]!])));
    const targets = promTargets(dashboards);
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets) {
      const names = promMetrics(t.expr);
      expect(names.length, t.expr).toBeGreaterThan(0);
      for (const n of names) expect(exposed.has(n), `${t.panel}: ${n} is not exposed`).toBe(true);
    }
  });
});
