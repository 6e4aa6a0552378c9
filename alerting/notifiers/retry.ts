import { errorMessage } from '../../core/errors.js';
import { DeliveryError, type Notification, type Notifier } from './types.js';

export interface RetryOptions {
  timeoutMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  maxAttempts: number;
}

export interface DeliveryOutcome {
  ok: boolean;
  attempts: number;
  error?: DeliveryError;
}

/** Full-jitter exponential backoff (AWS architecture blog): uniformly random in [0, min(max, initial·2^attempt)]. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  return random() * Math.min(maxMs, initialMs * 2 ** attempt);
}

/**
 * Delivers with a per-attempt timeout and bounded retries; never throws. A non-retryable error stops at
 * once. The caller keeps the alerts for the next flush when this fails, so nothing is lost.
 */
export async function deliver(
  notifier: Notifier,
  n: Notification,
  opts: RetryOptions,
  hooks: { onRetry?: (e: DeliveryError, attempt: number) => void; sleep?: (ms: number) => Promise<void>; stopped?: () => boolean } = {},
): Promise<DeliveryOutcome> {
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.()));
  let last: DeliveryError | undefined;
  for (let attempt = 0; attempt < opts.maxAttempts; attempt++) {
    if (attempt > 0) {
      hooks.onRetry?.(last!, attempt);
      await sleep(backoffMs(attempt - 1, opts.retryInitialMs, opts.retryMaxMs));
      if (hooks.stopped?.()) break;
    }
    try {
      await notifier.notify(n, AbortSignal.timeout(opts.timeoutMs));
      return { ok: true, attempts: attempt + 1 };
    } catch (e) {
      last = e instanceof DeliveryError ? e : new DeliveryError(errorMessage(e), { reason: 'internal', retryable: false, cause: e });
      if (!last.retryable) return { ok: false, attempts: attempt + 1, error: last };
    }
  }
  return { ok: false, attempts: opts.maxAttempts, error: last };
}
