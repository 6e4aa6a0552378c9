/**
 * Errors that cross a component boundary say whether retrying can help and carry a short,
 * bounded `reason` that is safe to use as a metric label.
 */
export class MlobsError extends Error {
  readonly retryable: boolean;
  readonly reason: string;
  constructor(message: string, opts: { reason: string; retryable: boolean; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.name = 'MlobsError';
    this.reason = opts.reason;
    this.retryable = opts.retryable;
  }
}

/** Raised when a bounded buffer is full: the caller should slow down and try again later. */
export class BackpressureError extends MlobsError {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number) {
    super(message, { reason: 'backpressure', retryable: true });
    this.name = 'BackpressureError';
    this.retryAfterMs = retryAfterMs;
  }
}

/** Raised for configuration that cannot work; names the offending key. */
export class ConfigError extends MlobsError {
  constructor(message: string) {
    super(message, { reason: 'bad_config', retryable: false });
    this.name = 'ConfigError';
  }
}

/** The message of anything thrown, without assuming it is an Error. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
