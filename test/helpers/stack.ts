import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig, type ConfigInput } from '../../app/config.js';
import { silentLogger } from '../../core/log.js';
import { startStack, type Stack } from '../../app/stack.js';

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
  return Object.assign(stack, { post, sql, dataDir });
}

/** Polls until `check` returns true or the timeout passes; returns the last value. */
export async function eventually<T>(fn: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let v = await fn();
  while (!check(v) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    v = await fn();
  }
  return v;
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
