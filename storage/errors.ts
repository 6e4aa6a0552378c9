import { MlobsError, errorMessage } from '../core/errors.js';

// The engine answered, and it will answer the same again: only these engine errors are worth a
// retry (load, limits of the moment, a replica or Keeper away); every other engine error means the
// statement or the data is wrong. An error the engine did not give (a refused or reset connection,
// a timeout) is a transport fault, and retryable.
const TRANSIENT_TYPES = new Set([
  'MEMORY_LIMIT_EXCEEDED', 'TOO_MANY_SIMULTANEOUS_QUERIES', 'TOO_MANY_PARTS', 'NOT_ENOUGH_SPACE', 'TABLE_IS_READ_ONLY',
  'TIMEOUT_EXCEEDED_WHILE_WAITING_FOR_LOCK', 'DEADLOCK_AVOIDED', 'ABORTED', 'QUERY_WAS_CANCELLED', 'NETWORK_ERROR', 'SOCKET_TIMEOUT',
  'ALL_CONNECTION_TRIES_FAILED', 'ALL_REPLICAS_ARE_STALE', 'NO_ZOOKEEPER', 'KEEPER_EXCEPTION', 'UNEXPECTED_ZOOKEEPER_ERROR',
  'REPLICA_IS_NOT_IN_QUORUM', 'TOO_FEW_LIVE_REPLICAS', 'UNFINISHED', 'SESSION_IS_LOCKED', 'CANNOT_ALLOCATE_MEMORY',
  'TOO_MANY_SIMULTANEOUS_QUERIES_FOR_USER', 'SERVER_OVERLOADED', 'TABLE_IS_DROPPED', 'DISTRIBUTED_TOO_MANY_PENDING_BYTES',
]);
// The same by number, for answers that carry only "Code: N." in their text.
const TRANSIENT_CODES = new Set([173, 202, 209, 210, 225, 236, 241, 242, 243, 252, 279, 285, 341, 373, 394, 473, 999]);

/** The engine's error name and number when the engine itself answered, else null. */
function engineError(e: unknown): { type: string | null; code: number } | null {
  const type = (e as { type?: unknown }).type;
  const code = (e as { code?: unknown }).code;
  if (typeof type === 'string' && type !== '' && /^\d+$/.test(String(code ?? ''))) return { type, code: Number(code) };
  const m = /\bCode: (\d+)\b/.exec(errorMessage(e));
  return m ? { type: typeof type === 'string' ? type : null, code: Number(m[1]) } : null;
}

/** Wraps an engine or transport failure as an MlobsError: statements the engine refused are permanent; load and transport faults retryable. */
export function classifyClickHouseError(e: unknown, context: string): MlobsError {
  if (e instanceof MlobsError) return e;
  const msg = `${context}: ${errorMessage(e)}`;
  const engine = engineError(e);
  if (engine) {
    const transient = engine.type ? TRANSIENT_TYPES.has(engine.type) : TRANSIENT_CODES.has(engine.code);
    const reason = engine.type ? engine.type.toLowerCase() : `engine_code_${engine.code}`;
    return new MlobsError(msg, { reason, retryable: transient, cause: e });
  }
  const code = (e as { code?: string }).code;
  const transport = typeof code === 'string' && /^E[A-Z]+/.test(code) ? code.toLowerCase() : 'storage_unavailable';
  return new MlobsError(msg, { reason: transport, retryable: true, cause: e });
}
