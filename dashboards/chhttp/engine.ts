import { MlobsError } from '../../core/errors.js';
import { readOnlyRefusal } from '../../storage/read-guard.js';

const text = (r: { bytes(): Uint8Array }) => Buffer.from(r.bytes()).toString('utf8');

/** One read-only statement's output, in the format asked for, as the engine wrote it. */
export interface EngineResult {
  bytes: Buffer;
  rowsRead: number;
  bytesRead: number;
  elapsedS: number;
}

/** The embedded engine as the endpoint sees it: statements run on a session the engine holds read-only. */
export interface ReadOnlyEngine {
  run(statement: string, format: string, params: Record<string, string>): Promise<EngineResult>;
  close(): void;
}

const LIMITS = { max_execution_time: 60, max_result_rows: 1_000_000, result_overflow_mode: 'throw' } as const;

interface ChdbSession {
  queryAsync(q: string, o?: { format?: string }): Promise<{ bytes(): Uint8Array; rowsRead: number; bytesRead: number; elapsed: number }>;
  queryBindAsync(q: string, p: object, o?: { format?: string }): Promise<{ bytes(): Uint8Array; rowsRead: number; bytesRead: number; elapsed: number }>;
  close(): void;
}

/**
 * Opens a chdb session of its own on the stack's data directory (as the store's reader does) and
 * makes it read-only for its whole life: the engine then refuses writes, DDL and every settings
 * change, whatever the statement. Calls are serialised: one session runs one query at a time.
 */
export async function openReadOnlyEngine(dataDir: string, database: string): Promise<ReadOnlyEngine> {
  const { Session } = (await import('chdb')) as unknown as { Session: new (path: string) => ChdbSession };
  const session = new Session(dataDir);
  await session.queryAsync(`USE ${database}`);
  for (const [k, v] of Object.entries(LIMITS)) await session.queryAsync(`SET ${k} = '${v}'`);
  await session.queryAsync('SET readonly = 1');
  let queue: Promise<unknown> = Promise.resolve();
  // A failed statement leaves its partial output to the next one on the session (see
  // storage/chdb-session.ts): a throw-away statement takes it first.
  const run = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      await session.queryAsync('SELECT 1', { format: 'TabSeparated' }).catch(() => undefined);
      throw e;
    }
  };
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const p = queue.then(() => run(f), () => run(f));
    queue = p.catch(() => {});
    return p;
  };
  return {
    run: (statement, format, params) =>
      serial(async () => {
        // The engine's own parser decides what one statement is; it refuses a second one.
        const refuse = (e: unknown) => {
          throw new MlobsError(String((e as Error).message), { reason: 'bad_query', retryable: false });
        };
        const formatted = await session.queryBindAsync('SELECT formatQuery({q:String})', { q: statement }, { format: 'TabSeparatedRaw' }).catch(refuse);
        // readonly = 1 still lets some things through in the embedded engine (the file() function,
        // INTO OUTFILE, USE, KILL): the same guard as /v1/sql refuses them by statement kind.
        const ast = await (Object.keys(params).length ? session.queryBindAsync(`EXPLAIN AST ${statement}`, params, { format: 'TabSeparatedRaw' }) : session.queryAsync(`EXPLAIN AST ${statement}`, { format: 'TabSeparatedRaw' })).catch(refuse);
        const why = readOnlyRefusal(text(ast), text(formatted).trimEnd());
        if (why) throw new MlobsError(`query refused: ${why}`, { reason: 'bad_query', retryable: false });
        const r = Object.keys(params).length ? await session.queryBindAsync(statement, params, { format }) : await session.queryAsync(statement, { format });
        const b = r.bytes();
        return { bytes: Buffer.from(b.buffer, b.byteOffset, b.byteLength), rowsRead: r.rowsRead, bytesRead: r.bytesRead, elapsedS: r.elapsed };
      }),
    close: () => session.close(),
  };
}
