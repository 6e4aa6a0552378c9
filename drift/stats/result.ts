/**
 * The one error convention of drift/stats: every exported function returns a `StatResult`.
 * Empty, non-finite or otherwise unusable input is an expected condition in monitoring (an idle
 * model, a feature that is all null this hour), so it is a value the caller must look at, not an
 * exception and never a NaN that would flow silently into a dashboard or an alert rule.
 */

/** Why a statistic could not be computed; short and bounded so it can be a metric label. */
export type InsufficientReason =
  /** Too few observations (empty sample, empty table, fewer than two values for a spread). */
  | 'insufficient_data'
  /** NaN or ±Infinity in an input that must be finite. */
  | 'non_finite_input'
  /** Structurally wrong input: negative count, mismatched lengths, p-value outside [0, 1], ... */
  | 'invalid_input'
  /** Inputs are valid but the statistic is undefined for them (e.g. zero reference spread). */
  | 'degenerate';

export interface Insufficient {
  readonly ok: false;
  readonly reason: InsufficientReason;
  /** Human-readable detail for logs; not meant for matching. */
  readonly detail: string;
}

export type Ok<T> = { readonly ok: true } & T;
export type StatResult<T> = Ok<T> | Insufficient;

/** Wraps a successful value. */
export function ok<T extends object>(value: T): Ok<T> {
  return { ok: true, ...value };
}

/** Builds the failure value. */
export function insufficient(reason: InsufficientReason, detail: string): Insufficient {
  return { ok: false, reason, detail };
}

/** Index of the first non-finite entry of `xs`, or -1 when all are finite. */
export function firstNonFinite(xs: ArrayLike<number>): number {
  for (let i = 0; i < xs.length; i++) if (!Number.isFinite(xs[i])) return i;
  return -1;
}

/** Validates a sample: non-empty and finite; returns the failure or null when usable. */
export function checkSample(xs: ArrayLike<number>, name: string): Insufficient | null {
  if (xs.length === 0) return insufficient('insufficient_data', `${name} is empty`);
  const bad = firstNonFinite(xs);
  if (bad >= 0) return insufficient('non_finite_input', `${name}[${bad}] is ${xs[bad]}`);
  return null;
}

/** Validates counts: finite and non-negative; returns the failure or null when usable. */
export function checkCounts(xs: ArrayLike<number>, name: string): Insufficient | null {
  const bad = firstNonFinite(xs);
  if (bad >= 0) return insufficient('non_finite_input', `${name}[${bad}] is ${xs[bad]}`);
  for (let i = 0; i < xs.length; i++) {
    if (xs[i]! < 0) return insufficient('invalid_input', `${name}[${i}] is negative (${xs[i]})`);
  }
  return null;
}
