import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { MlobsError } from '../core/errors.js';
import type { QueryParams, ReadOnlyResult, Store } from './store.js';
import { classifyClickHouseError } from './errors.js';
import { resyncingConnection } from './chdb-session.js';
import { PROFILE_QUERY, READ_LIMITS, checkReaderSession, readerRequestSettings, type ReaderProfile } from './reader-settings.js';
import { readOnlyRefusal } from './read-guard.js';
import { compactEachRow } from './insert-body.js';

export interface StoreOptions {
  /** ClickHouse server URL; absent means the embedded engine in `dataDir`. */
  url?: string;
  username?: string;
  password?: string;
  /** A separate ClickHouse user for read-only queries (server mode); absent means the writer's credentials. */
  readerUsername?: string;
  readerPassword?: string;
  database: string;
  dataDir: string;
  requestTimeoutMs?: number;
  /** `storage.cluster`: the tables are Distributed (storage/cluster.ts); server only. */
  cluster?: string;
}

/** Opens the store: the embedded engine (chdb) when no URL is configured, else a ClickHouse server. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.database)) throw new MlobsError(`bad database name ${opts.database}`, { reason: 'bad_config', retryable: false });
  const createDatabase = (writer: ClickHouseClient) =>
    writer.command({ query: `CREATE DATABASE IF NOT EXISTS ${opts.database}` }).catch(async (e) => {
      await writer.close();
      throw classifyClickHouseError(e, `cannot create database ${opts.database}`);
    });
  if (opts.url) {
    const base = { url: opts.url, username: opts.username, password: opts.password, request_timeout: opts.requestTimeoutMs ?? 30_000 };
    // In a cluster, a join or IN of two Distributed tables is refused by default (distributed_product_mode
    // = deny); 'global' ships the right side once, which is always correct. The reader sends no settings
    // of its own (it is read-only): its user's profile carries the same (README, Running at scale).
    const writer = createClient(opts.cluster ? { ...base, clickhouse_settings: { distributed_product_mode: 'global' } } : base);
    await createDatabase(writer);
    const reader = await openServerReader(base, opts).catch(async (e) => {
      await writer.close();
      throw e;
    });
    return new ClickHouseStore('server', opts.database, writer, reader, insertSettings(opts.cluster));
  }
  const { createChdbConnection } = await import('chdb/connection');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(opts.dataDir, { recursive: true });
  const writer = createClient({ connection: resyncingConnection(createChdbConnection({ path: opts.dataDir })) } as never);
  await createDatabase(writer);
  // A second session on the same engine: chdb keeps settings per session, and clickhouse-js
  // settings become session-wide SETs there, so this session is read-only for its whole life.
  const reader = createClient({ connection: resyncingConnection(createChdbConnection({ path: opts.dataDir })) } as never);
  await reader.command({ query: `USE ${opts.database}` });
  // The limits first: once readonly = 1 holds, nothing can be set, these included.
  for (const [k, v] of Object.entries(READ_LIMITS)) await reader.command({ query: `SET ${k} = '${v}'` });
  await reader.command({ query: 'SET readonly = 1' });
  return new ClickHouseStore('embedded', opts.database, writer, reader, '');
}

/**
 * The reader client for a server: it sends `readonly=1` on every request, plus the read limits
 * when the reader user's own profile is not read-only (the rules are in reader-settings.ts), and
 * nothing else; it checks once that the server then holds the session read-only with limits.
 */
async function openServerReader(base: { url: string; username?: string; password?: string; request_timeout: number }, opts: StoreOptions): Promise<ClickHouseClient> {
  const user = opts.readerUsername ?? opts.username ?? 'default';
  // Compression off: with it clickhouse-js adds enable_http_compression=1, a setting change.
  const readerBase = { ...base, username: user, password: opts.readerUsername ? (opts.readerPassword ?? '') : opts.password, database: opts.database, compression: { request: false, response: false } };
  const profileOf = async (client: ClickHouseClient): Promise<ReaderProfile> => {
    try {
      const rs = await client.query({ query: PROFILE_QUERY, format: 'JSONEachRow' });
      return ((await rs.json()) as ReaderProfile[])[0]!;
    } catch (e) {
      throw classifyClickHouseError(e, `cannot read the settings of ClickHouse user ${user}`);
    }
  };
  const bare = createClient(readerBase);
  let settings;
  try {
    settings = readerRequestSettings(user, await profileOf(bare));
  } finally {
    await bare.close();
  }
  const reader = createClient({ ...readerBase, clickhouse_settings: settings as never });
  try {
    checkReaderSession(user, await profileOf(reader));
  } catch (e) {
    await reader.close();
    throw e;
  }
  return reader;
}

/**
 * Through a Distributed table an insert is by default queued on the receiving node and sent on
 * later: the sink would commit Kafka offsets for rows no shard holds yet. Foreground inserts
 * return once every shard stored its part (the token travels with it, so a retry is deduplicated
 * by each shard's replicated block log).
 */
export function insertSettings(cluster: string | undefined): string {
  return cluster ? 'distributed_foreground_insert = 1' : '';
}

class ClickHouseStore implements Store {
  constructor(
    readonly mode: Store['mode'],
    readonly database: string,
    private readonly writer: ClickHouseClient,
    private readonly reader: ClickHouseClient,
    private readonly extraInsertSettings: string,
  ) {}

  async command(sql: string, params?: QueryParams): Promise<void> {
    try {
      await this.writer.command({ query: sql, query_params: params });
    } catch (e) {
      throw classifyClickHouseError(e, 'command failed');
    }
  }

  async query<T>(sql: string, params?: QueryParams): Promise<T[]> {
    try {
      const rs = await this.writer.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return (await rs.json()) as T[];
    } catch (e) {
      throw classifyClickHouseError(e, 'query failed');
    }
  }

  async readOnlyQuery(sql: string, params?: QueryParams): Promise<ReadOnlyResult> {
    const statement = sql.trim().replace(/;\s*$/, '');
    if (!statement) throw new MlobsError('empty query', { reason: 'bad_query', retryable: false });
    const started = performance.now();
    try {
      // The engine's own parser decides what one statement is: it refuses multi-statements.
      const [formatted] = (await this.reader.query({ query: 'SELECT formatQuery({q:String}) AS f', query_params: { q: statement }, format: 'JSONEachRow' }).then((r) => r.json())) as { f: string }[];
      // EXPLAIN AST of what is now known to be one statement: what readonly = 1 lets through is refused by kind.
      // The FORMAT clause clickhouse-js appends binds to the explained statement, so the EXPLAIN's own
      // output format comes from default_format (an HTTP parameter, not a setting: readonly = 1 allows it).
      const explain = { query: `EXPLAIN AST ${statement}`, query_params: params, format: 'TabSeparatedRaw', clickhouse_settings: { default_format: 'TabSeparatedRaw' } } as const;
      const ast = await this.reader.query(explain as never).then((r) => r.text());
      const why = readOnlyRefusal(ast, formatted?.f ?? '');
      if (why) throw new MlobsError(`query refused: ${why}`, { reason: 'bad_query', retryable: false });
      const rs = await this.reader.query({ query: statement, query_params: params, format: 'JSON' });
      const body = (await rs.json()) as { meta: ReadOnlyResult['meta']; data: Record<string, unknown>[]; rows: number };
      return { meta: body.meta, data: body.data, rows: body.rows, elapsedMs: performance.now() - started };
    } catch (e) {
      if (e instanceof MlobsError) throw e;
      const err = classifyClickHouseError(e, 'query refused');
      throw new MlobsError(err.message, { reason: err.retryable ? err.reason : 'bad_query', retryable: err.retryable, cause: e });
    }
  }

  async insert(table: string, rows: readonly object[], opts: { dedupToken?: string } = {}): Promise<void> {
    if (rows.length === 0) return;
    if (opts.dedupToken !== undefined && !/^[A-Za-z0-9:._-]+$/.test(opts.dedupToken)) {
      throw new MlobsError(`bad dedup token ${opts.dedupToken}`, { reason: 'bad_token', retryable: false });
    }
    // Settings go inline: with the embedded engine, clickhouse-js settings would become a
    // session-wide SET and the token would then apply to every later insert.
    const list = [opts.dedupToken ? `insert_deduplication_token = '${opts.dedupToken}'` : '', this.extraInsertSettings].filter(Boolean);
    const settings = list.length ? ` SETTINGS ${list.join(', ')}` : '';
    const { columns, body } = compactEachRow(rows);
    try {
      const cols = columns.map((c) => '`' + c.replace(/`/g, '') + '`').join(', ');
      const res = await this.writer.exec({ query: `INSERT INTO ${this.database}.${table} (${cols})${settings} FORMAT JSONCompactEachRow`, values: Readable.from([body]) });
      res.stream.resume();
    } catch (e) {
      throw classifyClickHouseError(e, `insert into ${table} failed`);
    }
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.writer.ping()).success;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.reader.close(), this.writer.close()]);
  }
}

