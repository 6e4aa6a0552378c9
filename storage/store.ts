/** Values bound to `{name:Type}` placeholders; never spliced into SQL text. */
export type QueryParams = Record<string, unknown>;

export interface ReadOnlyResult {
  meta: { name: string; type: string }[];
  data: Record<string, unknown>[];
  rows: number;
  elapsedMs: number;
}

/**
 * The ClickHouse engine as the stack uses it, embedded or a server alike: statements run on
 * the writer; `readOnlyQuery` runs on a separate session that the engine itself holds read-only.
 */
export interface Store {
  readonly mode: 'embedded' | 'server';
  readonly database: string;
  /** Runs a statement that returns no rows (DDL, INSERT … SELECT). */
  command(sql: string, params?: QueryParams): Promise<void>;
  /** Runs a query on the writer session and returns its rows as objects. */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Runs one untrusted statement read-only; multi-statements, writes, DDL and settings changes are refused. */
  readOnlyQuery(sql: string, params?: QueryParams): Promise<ReadOnlyResult>;
  /** Inserts rows (JSONEachRow objects); a repeated `dedupToken` for the same table stores the batch once. */
  insert(table: string, rows: readonly object[], opts?: { dedupToken?: string }): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
