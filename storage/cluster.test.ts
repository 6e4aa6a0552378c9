import { describe, expect, it } from 'vitest';
import { validateConfig } from '../core/config.js';
import { MlobsError } from '../core/errors.js';
import { renderStatement, REPLICA_PATH } from './cluster.js';
import { migrate, MIGRATIONS, type Migration } from './migrations.js';
import type { Store } from './store.js';

const o = { cluster: 'prod', database: 'db', tables: new Set(['events', 'rollup']) };
const EVENTS = `CREATE TABLE IF NOT EXISTS db.events (
  id String,
  ts DateTime64(3, 'UTC'),
  version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(ts)
ORDER BY (id, ts)
SETTINGS non_replicated_deduplication_window = 1000`;

/** A store that only records what it is asked to run. */
function recordingStore(): Store & { commands: string[] } {
  const commands: string[] = [];
  return {
    mode: 'server',
    database: 'mlobs',
    commands,
    command: async (sql) => void commands.push(sql),
    query: async () => [],
    readOnlyQuery: async () => ({ meta: [], data: [], rows: 0, elapsedMs: 0 }),
    insert: async () => {},
    ping: async () => true,
    close: async () => {},
  };
}

describe('cluster DDL renderer', () => {
  it('turns a table into a replicated local table ON CLUSTER, keeping the engine arguments and using the replicated dedup window', () => {
    const [local] = renderStatement(EVENTS, o);
    expect(local).toContain('CREATE TABLE IF NOT EXISTS db.events_local ON CLUSTER prod (');
    expect(local).toContain(`ENGINE = ReplicatedReplacingMergeTree('${REPLICA_PATH}', '{replica}', version)`);
    expect(REPLICA_PATH).toBe('/clickhouse/tables/{shard}/{database}/{table}');
    expect(local).toContain('SETTINGS replicated_deduplication_window = 1000');
    expect(local).not.toContain('non_replicated');
    expect(local).toContain('ORDER BY (id, ts)');
  });

  it('adds a Distributed twin under the original name, sharded by a hash of the sorting key unless a key is declared', () => {
    expect(renderStatement(EVENTS, o)[1]).toBe(`CREATE TABLE IF NOT EXISTS db.events ON CLUSTER prod AS db.events_local
      ENGINE = Distributed(prod, db, events_local, cityHash64(id, ts))`);
    expect(renderStatement(EVENTS, { ...o, shardingKeys: { events: 'cityHash64(id)' } })[1]).toContain('Distributed(prod, db, events_local, cityHash64(id))');
    const plain = renderStatement('CREATE TABLE IF NOT EXISTS db.p (k String) ENGINE = MergeTree ORDER BY k', { ...o, tables: new Set(['p']) });
    expect(plain[0]).toContain(`ENGINE = ReplicatedMergeTree('${REPLICA_PATH}', '{replica}') ORDER BY k`);
    expect(plain[1]).toContain('Distributed(prod, db, p_local, cityHash64(k))');
  });

  it('points a materialized view at the local tables (it fires on each shard’s inserts) and leaves plain views on the Distributed names', () => {
    const mv = renderStatement('CREATE MATERIALIZED VIEW IF NOT EXISTS db.rollup_mv TO db.rollup AS SELECT id, count() AS n FROM db.events GROUP BY id', o);
    expect(mv).toEqual(['CREATE MATERIALIZED VIEW IF NOT EXISTS db.rollup_mv ON CLUSTER prod TO db.rollup_local AS SELECT id, count() AS n FROM db.events_local GROUP BY id']);
    const view = renderStatement('CREATE VIEW IF NOT EXISTS db.v AS SELECT * FROM db.events FINAL WHERE ts > {from:DateTime64(3)}', o);
    expect(view).toEqual(['CREATE VIEW IF NOT EXISTS db.v ON CLUSTER prod AS SELECT * FROM db.events FINAL WHERE ts > {from:DateTime64(3)}']);
  });

  it('alters columns on both tables of a pair, and everything else only on the local table', () => {
    expect(renderStatement('ALTER TABLE db.events ADD COLUMN IF NOT EXISTS x String', o)).toEqual([
      'ALTER TABLE db.events_local ON CLUSTER prod ADD COLUMN IF NOT EXISTS x String',
      'ALTER TABLE db.events ON CLUSTER prod ADD COLUMN IF NOT EXISTS x String',
    ]);
    expect(renderStatement('ALTER TABLE db.events MODIFY TTL toDateTime(ts) + INTERVAL 1 DAY', o)).toEqual(['ALTER TABLE db.events_local ON CLUSTER prod MODIFY TTL toDateTime(ts) + INTERVAL 1 DAY']);
    expect(renderStatement('DROP TABLE IF EXISTS db.events', o)).toEqual(['DROP TABLE IF EXISTS db.events ON CLUSTER prod', 'DROP TABLE IF EXISTS db.events_local ON CLUSTER prod']);
  });

  it('runs a back-fill once, through the Distributed tables, unchanged', () => {
    const sql = 'INSERT INTO db.rollup SELECT id, count() FROM db.events GROUP BY id';
    expect(renderStatement(sql, o)).toEqual([sql]);
  });

  it('refuses what it cannot convert, naming the statement, instead of passing it on half-converted', () => {
    const refused = (sql: string) => {
      try {
        renderStatement(sql, o);
      } catch (e) {
        return e as MlobsError;
      }
      throw new Error(`rendered ${sql}`);
    };
    expect(refused('CREATE TABLE IF NOT EXISTS db.m (k String) ENGINE = Memory').message).toMatch(/only MergeTree-family tables.*db\.m/);
    expect(refused('OPTIMIZE TABLE db.events FINAL').message).toMatch(/unknown statement kind.*OPTIMIZE TABLE db\.events/);
    expect(refused('CREATE TABLE IF NOT EXISTS db.t (k String) ENGINE = MergeTree ORDER BY tuple()').message).toMatch(/declare a sharding key/);
    expect(refused('CREATE MATERIALIZED VIEW IF NOT EXISTS db.mv AS SELECT 1').reason).toBe('cluster_ddl_unsupported');
    expect(() => renderStatement(EVENTS, { ...o, cluster: 'prod; DROP' })).toThrow(/bad cluster name/);
  });
});

describe('migrate without storage.cluster', () => {
  it('runs exactly the migrations’ own statements and the same record table as a single server always did', async () => {
    const store = recordingStore();
    const retention = validateConfig({}).storage.retentionDays;
    await migrate(store, retention, MIGRATIONS);
    expect(store.commands).toEqual([
      "CREATE TABLE IF NOT EXISTS mlobs.schema_migrations (id UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = ReplacingMergeTree ORDER BY id",
      ...[...MIGRATIONS].sort((a, b) => a.id - b.id).flatMap((m) => m.statements('mlobs', retention)),
    ]);
  });

  it('runs the cluster form, record table included, when storage.cluster is set', async () => {
    const store = recordingStore();
    const m: Migration = { id: 7, name: 't', statements: (db) => [EVENTS.replaceAll('db.', `${db}.`)] };
    await migrate(store, validateConfig({}).storage.retentionDays, [m], { cluster: 'prod' });
    expect(store.commands.map((c) => /^CREATE TABLE IF NOT EXISTS (\S+ ON CLUSTER \S+ (AS \S+|\())/.exec(c)?.[1])).toEqual([
      'mlobs.schema_migrations_local ON CLUSTER prod (',
      'mlobs.schema_migrations ON CLUSTER prod AS mlobs.schema_migrations_local',
      'mlobs.events_local ON CLUSTER prod (',
      'mlobs.events ON CLUSTER prod AS mlobs.events_local',
    ]);
    expect(store.commands[0]).toContain('ReplicatedReplacingMergeTree');
  });
});

describe('storage.cluster config', () => {
  it('needs a server URL, since the embedded engine is one node', () => {
    expect(() => validateConfig({ storage: { cluster: 'prod' } })).toThrow(/storage\.cluster.*needs storage\.url/);
    expect(validateConfig({ storage: { cluster: 'prod', url: 'http://ch:8123' } }).storage.cluster).toBe('prod');
    expect(() => validateConfig({ storage: { cluster: 'a b', url: 'http://ch:8123' } })).toThrow(/storage\.cluster/);
  });
});
