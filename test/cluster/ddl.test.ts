import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allMigrations, schemaSql } from '../../app/schema.js';
import { validateConfig } from '../../core/config.js';
import { openStore } from '../../storage/clickhouse.js';
import { LOCAL_SUFFIX } from '../../storage/cluster.js';
import { migrate, planSchema } from '../../storage/migrations.js';
import type { Store } from '../../storage/store.js';

// No ClickHouse server (let alone a cluster with Keeper) runs here, so the cluster DDL is proven on
// paper: the engine's own parser accepts every statement, the engine knows every setting it names,
// every table the embedded stack really creates has its replicated local table and Distributed twin,
// and every sharding key evaluates to an integer over the real table's columns.

const DB = 'ddl';
const CLUSTER = 'mlobs';
const retention = validateConfig({}).storage.retentionDays;
const plan = planSchema(DB, retention, allMigrations(), { cluster: CLUSTER });
const statements = [...plan.record, ...plan.migrations.flatMap((m) => m.statements)];

/** The engine's canonical text of one statement; throws the parser's error if it is not valid SQL. */
const format = async (sql: string): Promise<string> => (await store.query<{ f: string }>('SELECT formatQuery({q:String}) AS f', { q: sql }))[0]!.f;

let store: Store;
beforeAll(async () => {
  store = await openStore({ database: DB, dataDir: mkdtempSync(join(tmpdir(), 'mlobs-ddl-')) });
  await migrate(store, retention, allMigrations());
});
afterAll(async () => store?.close());

describe('cluster DDL (storage.cluster)', () => {
  it('parses every rendered statement of every migration with the engine’s own parser, ON CLUSTER on every DDL statement', async () => {
    expect(statements.length).toBeGreaterThan(40);
    for (const sql of statements) {
      const f = await format(sql);
      if (f.startsWith('INSERT')) continue;
      expect(f, sql).toMatch(new RegExp(`^(CREATE|ALTER|DROP) [A-Z ]+ ${DB}\\.\\w+ ON CLUSTER ${CLUSTER}\\b`));
      if (/ENGINE = \w*MergeTree/.test(f)) expect(f, sql).toMatch(/ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'/);
      expect(f, sql).not.toMatch(/non_replicated_deduplication_window/);
    }
  });

  it('names only settings the engine knows', async () => {
    const known = async (table: string, name: string) => Number((await store.query<{ n: string }>(`SELECT count() AS n FROM system.${table} WHERE name = {n:String}`, { n: name }))[0]!.n);
    expect(await known('merge_tree_settings', 'replicated_deduplication_window')).toBe(1);
    expect(await known('settings', 'distributed_foreground_insert')).toBe(1);
    expect(await known('settings', 'distributed_product_mode')).toBe(1);
  });

  it('gives every table the stack creates a replicated local table and a Distributed twin, sharded by an integer over its own columns', async () => {
    const tables = await store.query<{ name: string; engine: string }>(
      `SELECT name, engine FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree' ORDER BY name`,
      { db: DB },
    );
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['predictions', 'labels', 'gpu_samples', 'schema_migrations', 'cost_gpu_util', 'alerting_alerts', 'drift_results']));
    for (const { name, engine } of tables) {
      const local = statements.filter((s) => s.trimStart().startsWith(`CREATE TABLE IF NOT EXISTS ${DB}.${name}${LOCAL_SUFFIX} ON CLUSTER ${CLUSTER} (`));
      expect(local, name).toHaveLength(1);
      expect(await format(local[0]!), name).toContain(`ENGINE = Replicated${engine}(`);
      const twin = statements.filter((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${DB}.${name} ON CLUSTER`));
      expect(twin, name).toHaveLength(1);
      const m = new RegExp(`ENGINE = Distributed\\(${CLUSTER}, ${DB}, ${name}${LOCAL_SUFFIX}, (.*)\\)$`).exec(await format(twin[0]!));
      expect(m, twin[0]).not.toBeNull();
      // The right join yields one row of column defaults even for an empty table: the key is evaluated, not only parsed.
      const [row] = await store.query<{ t: string }>(`SELECT toTypeName(${m![1]}) AS t FROM ${DB}.${name} AS x RIGHT JOIN (SELECT 1 AS one_row) AS o ON 1 LIMIT 1`);
      // A hash of LowCardinality columns is LowCardinality(UInt64), which Distributed accepts too
      // (ClickHouse's own tests/queries/0_stateless/00800_low_cardinality_distributed_insert.sql).
      expect(row?.t, `${name}: ${m![1]}`).toMatch(/^(LowCardinality\()?U?Int(8|16|32|64)\)?$/);
    }
    // Nothing but those: every Distributed twin stands for a table the stack has.
    const twins = statements.filter((s) => / ENGINE = Distributed\(/.test(s)).length;
    expect(twins).toBe(tables.length);
  });

  it('creates views ON CLUSTER over the Distributed names, and materialized views from and into local tables', async () => {
    const views = await store.query<{ name: string; engine: string }>(`SELECT name, engine FROM system.tables WHERE database = {db:String} AND engine IN ('View', 'MaterializedView')`, { db: DB });
    expect(views.map((v) => v.name)).toEqual(expect.arrayContaining(['cost_gpu_allocations_mv', 'cost_gpu_intervals', 'cost_gpu_usage', 'cost_gpu_util_mv']));
    for (const { name, engine } of views) {
      // A later migration may drop and re-create a view: the last definition is the one in effect.
      const sql = statements.filter((s) => new RegExp(`^CREATE (MATERIALIZED )?VIEW IF NOT EXISTS ${DB}\\.${name} ON CLUSTER ${CLUSTER}\\b`).test(s)).at(-1);
      expect(sql, name).toBeDefined();
      const refs = [...(await format(sql!)).matchAll(new RegExp(`\\b${DB}\\.(\\w+)`, 'g'))].map((r) => r[1]!).filter((r) => r !== name);
      expect(refs.length, name).toBeGreaterThan(0);
      // A materialized view fires on the inserts a shard receives, which land in the local tables.
      for (const r of refs) expect(r.endsWith(LOCAL_SUFFIX), `${name} reads ${r}`).toBe(engine === 'MaterializedView');
    }
  });

  it('puts the cost rows on the shard of the GPU samples they derive from, so FINAL folds them per shard', async () => {
    await store.insert('gpu_samples', ['n1', 'n2', 'n3'].flatMap((hostname, i) => [
      { ts: Date.now() - 60_000 + i, metric: 'DCGM_FI_DEV_GPU_UTIL', metric_type: 'gauge', value: 50, hostname, gpu: '0', uuid: `GPU-${i}`, pci_bus_id: '', device: 'nvidia0', model_name: 'H100', gpu_i_profile: '', gpu_i_id: '', namespace: 'ml', pod: `p${i}`, container: 'c', labels: {}, source: 'test' },
    ]));
    const keyOf = (table: string) => new RegExp(`Distributed\\(${CLUSTER}, ${DB}, ${table}${LOCAL_SUFFIX}, (.*)\\)$`).exec(statements.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${DB}.${table} ON CLUSTER`))!.replace(/\s+/g, ' '))![1]!;
    const values = async (table: string) => (await store.query<{ k: string }>(`SELECT DISTINCT toString(${keyOf(table)}) AS k FROM ${DB}.${table} ORDER BY k`)).map((r) => r.k);
    const samples = await values('gpu_samples');
    expect(samples).toHaveLength(3);
    expect(await values('cost_gpu_util')).toEqual(samples);
    expect(await values('cost_gpu_allocations')).toEqual(samples);
  });

  it('matches the committed DDL (deploy/clickhouse/*.sql): regenerate with `npm run mlobs -- schema [--cluster mlobs]`', () => {
    expect(schemaSql('mlobs', retention, { cluster: 'mlobs' })).toBe(readFileSync('deploy/clickhouse/cluster-schema.sql', 'utf8'));
    // Without storage.cluster the schema is the single-server one, byte for byte.
    expect(schemaSql('mlobs', retention)).toBe(readFileSync('deploy/clickhouse/schema.sql', 'utf8'));
  });
});

