import { MlobsError } from '../core/errors.js';

/**
 * Rewrites the stack's single-node DDL for a ClickHouse cluster (`storage.cluster`). It works on
 * the statement text, at migrate time, so every module's migrations (today's and those added
 * later) get the cluster form without writing it twice:
 *
 * - `CREATE TABLE db.x … ENGINE = <Kind>MergeTree(args)` becomes the local table
 *   `db.x_local ON CLUSTER c … ENGINE = Replicated<Kind>MergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', args)`
 *   plus its Distributed twin `db.x ON CLUSTER c AS db.x_local ENGINE = Distributed(c, db, x_local, key)`.
 *   The twin keeps the original name so that every reader's SQL (the detectors, the dashboards,
 *   `POST /v1/sql`, user queries) and every insert (`store.insert('predictions', …)`) stay as they are:
 *   only the DDL knows about the cluster.
 * - `non_replicated_deduplication_window` becomes `replicated_deduplication_window`: a retried
 *   batch (same insert_deduplication_token) is dropped by the replicated block log instead.
 * - The sharding key hashes the table's sorting key (or a declared coarser key): rows with one
 *   identity always land on one shard, so ReplacingMergeTree still collapses a redelivered batch
 *   and `FINAL`, which runs per shard, stays exact.
 * - Views get `ON CLUSTER` and keep reading the Distributed names; materialized views fire on
 *   the shards' inserts, so they read and write the `_local` tables.
 * - `INSERT … SELECT` (back-fills) run once, through the Distributed tables, unchanged.
 *
 * A statement it does not understand is refused with its text, never passed on half-converted.
 */
export interface ClusterDdlOptions {
  cluster: string;
  database: string;
  /** Every MergeTree-family table of the schema (not only of the statements at hand): materialized views name tables of earlier migrations. */
  tables: ReadonlySet<string>;
  /** Sharding expressions by table name, where the sorting key is not the right one (e.g. co-location for the cost views). */
  shardingKeys?: Readonly<Record<string, string>>;
}

export const LOCAL_SUFFIX = '_local';
/** The replication path: one ZooKeeper/Keeper node per shard and table, filled in from each server's macros. */
export const REPLICA_PATH = '/clickhouse/tables/{shard}/{database}/{table}';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function assertClusterName(name: string): void {
  if (!IDENT.test(name)) throw new MlobsError(`bad cluster name ${JSON.stringify(name)}: must be a plain identifier`, { reason: 'bad_config', retryable: false });
}

const unsupported = (sql: string, why: string) =>
  new MlobsError(`cannot render for a cluster (${why}): ${sql.trim().slice(0, 200)}`, { reason: 'cluster_ddl_unsupported', retryable: false });

/** Index just past the parenthesis that closes the one at `open` (quotes respected). */
function closeParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '`' || c === '"') {
      const end = s.indexOf(c, i + 1);
      if (end < 0) break;
      i = end;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  throw new MlobsError(`unbalanced parentheses in ${s.slice(open, open + 80)}`, { reason: 'cluster_ddl_unsupported', retryable: false });
}

/** The sorting key's expressions, e.g. `(model, ts, prediction_id)` → `model, ts, prediction_id`. */
function sortingKey(sql: string, engineAt: number): string | undefined {
  const m = /\bORDER BY\s+/g;
  m.lastIndex = engineAt;
  const hit = m.exec(sql);
  if (!hit) return undefined;
  const at = hit.index + hit[0].length;
  if (sql[at] === '(') return sql.slice(at + 1, closeParen(sql, at) - 1).trim();
  const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(sql.slice(at))?.[0];
  // A call such as tuple() or toDate(ts) is one expression, arguments included.
  if (word && sql[at + word.length] === '(') return sql.slice(at, closeParen(sql, at + word.length));
  return word;
}

const ENGINE = /ENGINE\s*=\s*(Replacing|Aggregating|Summing|Collapsing|VersionedCollapsing|Graphite|)MergeTree\b/;

function renderTable(sql: string, db: string, name: string, o: ClusterDdlOptions): string[] {
  const engine = ENGINE.exec(sql);
  if (!engine) throw unsupported(sql, 'only MergeTree-family tables can be replicated');
  if (/ENGINE\s*=\s*Replicated/.test(sql)) throw unsupported(sql, 'already replicated');
  const afterName = new RegExp(`^(\\s*CREATE TABLE IF NOT EXISTS ${db}\\.)${name}(\\s)`);
  let out = sql.replace(afterName, `$1${name}${LOCAL_SUFFIX} ON CLUSTER ${o.cluster}$2`);
  const at = engine.index + engine[0].length;
  let args = '';
  let end = at;
  if (sql[at] === '(') {
    end = closeParen(sql, at);
    args = sql.slice(at + 1, end - 1).trim();
  }
  const replicated = `ENGINE = Replicated${engine[1]}MergeTree('${REPLICA_PATH}', '{replica}'${args ? `, ${args}` : ''})`;
  // Offsets in `out` equal those in `sql` after the name: the prefix grew by a known amount.
  const shift = out.length - sql.length;
  out = out.slice(0, engine.index + shift) + replicated + out.slice(end + shift);
  out = out.replace(/\bnon_replicated_deduplication_window\b/g, 'replicated_deduplication_window');
  const key = o.shardingKeys?.[name] ?? shardingFromSortingKey(sql, engine.index);
  const twin = `CREATE TABLE IF NOT EXISTS ${db}.${name} ON CLUSTER ${o.cluster} AS ${db}.${name}${LOCAL_SUFFIX}
      ENGINE = Distributed(${o.cluster}, ${db}, ${name}${LOCAL_SUFFIX}, ${key})`;
  return [out, twin];
}

function shardingFromSortingKey(sql: string, engineAt: number): string {
  const key = sortingKey(sql, engineAt);
  if (!key || /^tuple\(\s*\)$/.test(key)) throw unsupported(sql, 'no sorting key to shard by: declare a sharding key for this table');
  return `cityHash64(${key})`;
}

/** `db.x` → `db.x_local` for every MergeTree table of the schema (word boundaries, so `x_mv` stays). */
function toLocal(sql: string, o: ClusterDdlOptions): string {
  return sql.replace(new RegExp(`\\b${o.database}\\.([A-Za-z_][A-Za-z0-9_]*)\\b`, 'g'), (whole, t: string) => (o.tables.has(t) ? `${o.database}.${t}${LOCAL_SUFFIX}` : whole));
}

const COLUMN_ACTION = /^\s*(ADD|DROP|MODIFY|RENAME|COMMENT|CLEAR)\s+COLUMN\b/i;

/** One statement in its cluster form (one or two statements). */
export function renderStatement(sql: string, o: ClusterDdlOptions): string[] {
  assertClusterName(o.cluster);
  const db = o.database;
  const head = sql.trimStart();
  const lead = sql.slice(0, sql.length - head.length);
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^CREATE TABLE IF NOT EXISTS ${db}\\.([A-Za-z_][A-Za-z0-9_]*)\\s`).exec(head))) {
    return renderTable(sql, db, m[1]!, o);
  }
  if ((m = new RegExp(`^CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}\\.([A-Za-z_][A-Za-z0-9_]*)\\s+TO\\s`).exec(head))) {
    const name = m[1]!;
    const rest = head.slice(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${name}`.length);
    return [`${lead}CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${name} ON CLUSTER ${o.cluster}${toLocal(rest, o)}`];
  }
  if (/^CREATE MATERIALIZED VIEW/.test(head)) throw unsupported(sql, 'a materialized view needs IF NOT EXISTS and a TO table');
  if ((m = new RegExp(`^CREATE (OR REPLACE )?VIEW (IF NOT EXISTS )?${db}\\.([A-Za-z_][A-Za-z0-9_]*)\\s`).exec(head))) {
    const at = m[0].length - 1;
    return [`${lead}${head.slice(0, at)} ON CLUSTER ${o.cluster}${head.slice(at)}`];
  }
  if ((m = new RegExp(`^ALTER TABLE ${db}\\.([A-Za-z_][A-Za-z0-9_]*)\\s`).exec(head))) {
    const name = m[1]!;
    const rest = head.slice(m[0].length - 1);
    if (!o.tables.has(name)) return [`${lead}ALTER TABLE ${db}.${name} ON CLUSTER ${o.cluster}${rest}`];
    const local = `${lead}ALTER TABLE ${db}.${name}${LOCAL_SUFFIX} ON CLUSTER ${o.cluster}${rest}`;
    // A Distributed table has columns but no parts, TTL or settings: only column changes apply to it too.
    return COLUMN_ACTION.test(rest) ? [local, `${lead}ALTER TABLE ${db}.${name} ON CLUSTER ${o.cluster}${rest}`] : [local];
  }
  if ((m = new RegExp(`^DROP (TABLE|VIEW) (IF EXISTS )?${db}\\.([A-Za-z_][A-Za-z0-9_]*)\\s*$`).exec(head))) {
    const [, kind, ifExists = '', name] = m;
    const drop = (t: string) => `${lead}DROP ${kind} ${ifExists}${db}.${t} ON CLUSTER ${o.cluster}`;
    return o.tables.has(name!) ? [drop(name!), drop(name! + LOCAL_SUFFIX)] : [drop(name!)];
  }
  // Back-fills run once, from one node, through the Distributed tables.
  if (new RegExp(`^INSERT INTO ${db}\\.`).test(head)) return [sql];
  throw unsupported(sql, 'unknown statement kind');
}

/** The MergeTree-family tables that a list of statements creates, by name. */
export function tablesCreatedBy(statements: readonly string[], database: string): string[] {
  const re = new RegExp(`^\\s*CREATE TABLE IF NOT EXISTS ${database}\\.([A-Za-z_][A-Za-z0-9_]*)\\s[\\s\\S]*${ENGINE.source}`);
  return statements.flatMap((s) => {
    const m = re.exec(s);
    return m ? [m[1]!] : [];
  });
}
