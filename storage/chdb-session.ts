/**
 * The embedded engine keeps one output buffer per session. When a statement fails while it is
 * already writing its result (a `throwIf`, a result-size limit, a memory limit mid-query), chdb
 * leaves that partial output behind, and the NEXT statement on the session receives it as its own
 * answer: a wrong result that may even parse (measured on chdb 3.4: `SELECT 1 FORMAT JSONEachRow`
 * after a failed JSONEachRow query returned the failed query's first rows).
 *
 * So every call on an embedded session is serialised, and after any failure a throw-away statement
 * takes the leftover before the next caller runs. A session answers one statement at a time anyway.
 */

// The methods clickhouse-js calls on a connection; each takes one params object.
const CALLS = ['query', 'exec', 'command', 'insert'] as const;

type Connection = Record<(typeof CALLS)[number], (params: { query: string }) => Promise<unknown>> & Record<string, unknown>;

/** Wraps a chdb connection (chdb/connection) so that a failed statement cannot hand its leftovers to the next. */
export function resyncingConnection<T extends object>(connection: T): T {
  const conn = connection as unknown as Connection;
  let queue: Promise<unknown> = Promise.resolve();
  const drain = () => conn.query({ query: 'SELECT 1 FORMAT TabSeparated' }).catch(() => undefined);
  const serial = <R>(f: () => Promise<R>): Promise<R> => {
    const run = async () => {
      try {
        return await f();
      } catch (e) {
        await drain();
        throw e;
      }
    };
    const p = queue.then(run, run);
    queue = p.catch(() => undefined);
    return p;
  };
  return new Proxy(conn, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      if ((CALLS as readonly (string | symbol)[]).includes(prop)) return (params: { query: string }) => serial(() => v.call(target, params));
      return v.bind(target);
    },
  }) as unknown as T;
}
