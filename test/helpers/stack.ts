import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig, type ConfigInput } from '../../app/config.js';
import { silentLogger } from '../../core/log.js';
import { startStack, type Stack } from '../../app/stack.js';

export { eventually, waitUntil } from './eventually.js';

/** A stack on a fresh temporary data dir and a free port, with short batching so tests run fast. */
export async function testStack(overrides: ConfigInput = {}): Promise<Stack & { post: typeof post; sql: typeof sql; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mlobs-test-'));
  const config = validateConfig({
    ...overrides,
    server: { port: 0, ...overrides.server },
    storage: { dataDir, ...overrides.storage },
    sink: { batchMaxWaitMs: 20, retryInitialMs: 20, retryMaxMs: 200, ...overrides.sink },
  });
  const stack = await startStack(config, { logger: silentLogger });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(stack.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: (typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body)) as BodyInit });
  const sql = async <T = Record<string, any>>(query: string, params: Record<string, unknown> = {}): Promise<T[]> => {
    const res = await post('/v1/sql', { query, params });
    const body = (await res.json()) as { data: T[]; error?: string };
    if (!res.ok) throw new Error(`SQL failed: ${body.error}`);
    return body.data;
  };
  // The stack's drain answers false on timeout; a test that went on would assert on a half-stored
  // state, so here a timeout fails the test (and a success still answers true, as before).
  const stackDrain = stack.drain;
  const drain = async (timeoutMs = 30_000): Promise<true> => {
    if (!(await stackDrain(timeoutMs))) throw new Error(`events not stored within ${timeoutMs} ms: a sink still has a backlog`);
    return true;
  };
  return Object.assign(stack, { post, sql, dataDir, drain });
}

/** Calls `send` every `intervalMs` until stopped; `stop` waits for sends still in flight, so none becomes an unhandled rejection. */
export function feed(send: () => Promise<unknown>, intervalMs: number): { stop: () => Promise<void> } {
  const inFlight = new Set<Promise<unknown>>();
  const timer = setInterval(() => {
    const p: Promise<unknown> = send().catch((e) => e).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }, intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}
