/**
 * The one way tests wait: poll a condition until it holds, and FAIL when it does not hold in time.
 * A wait that returned quietly on timeout let tests assert on whatever was there (or nothing), so
 * every timeout here throws, naming what was awaited and showing the last value seen.
 */
import { inspect } from 'node:util';

export interface WaitOptions {
  /** Give up after this long (default 20 s: generous, since the machine may be busy). */
  timeoutMs?: number;
  /** Pause between polls (default 50 ms). */
  intervalMs?: number;
  /** What is awaited, in words, for the failure message. */
  what?: string;
}

const options = (o: number | WaitOptions | undefined): Required<Omit<WaitOptions, 'what'>> & { what?: string } => {
  const x = typeof o === 'number' ? { timeoutMs: o } : (o ?? {});
  return { timeoutMs: x.timeoutMs ?? 20_000, intervalMs: x.intervalMs ?? 50, ...(x.what ? { what: x.what } : {}) };
};

/** Thrown when a condition did not hold in time; `last` is the value of the last poll. */
export class WaitTimeoutError extends Error {
  constructor(message: string, readonly last: unknown) {
    super(message);
    this.name = 'WaitTimeoutError';
  }
}

/**
 * Calls `fn` until `check` holds on its value and returns that value. After `timeoutMs` it throws
 * a WaitTimeoutError with the last value; an error thrown by `fn` or `check` fails at once.
 */
export async function eventually<T>(fn: () => T | Promise<T>, check: (v: T) => boolean, opts?: number | WaitOptions): Promise<T> {
  const { timeoutMs, intervalMs, what } = options(opts);
  const started = Date.now();
  for (;;) {
    const v = await fn();
    if (check(v)) return v;
    if (Date.now() - started >= timeoutMs) {
      const shown = inspect(v, { depth: 6, maxArrayLength: 50, maxStringLength: 2000, breakLength: 120 });
      throw new WaitTimeoutError(`${what ? `${what}: ` : ''}condition ${describe(check)} did not hold within ${timeoutMs} ms; last value: ${shown}`, v);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until `cond` returns true; throws after the timeout like eventually. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, opts?: number | WaitOptions): Promise<void> {
  await eventually(cond, (v) => v === true, opts);
}

// The condition's source, shortened: enough to recognise which wait failed.
function describe(check: (v: never) => boolean): string {
  const src = check.toString().replace(/\s+/g, ' ');
  return src.length > 200 ? `${src.slice(0, 200)}…` : src;
}
