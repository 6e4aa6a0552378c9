import { z } from 'zod';
import { parseDurationMs } from '../duration.js';

// Timestamps outside these years are almost always unit mistakes (seconds vs milliseconds).
const MIN_TS_MS = Date.UTC(2000, 0, 1);
const MAX_TS_MS = Date.UTC(2100, 0, 1);

/** An instant as ISO 8601 text or epoch milliseconds, normalised to epoch milliseconds. */
export const timestampMs = z.union([z.number(), z.string()]).transform((v, ctx) => {
  let ms: number;
  if (typeof v === 'number') ms = v;
  else if (/^\d{4}-\d{2}-\d{2}T/.test(v)) ms = Date.parse(v);
  else if (/^\d+$/.test(v)) ms = Number(v);
  else ms = NaN;
  if (!Number.isFinite(ms) || ms < MIN_TS_MS || ms >= MAX_TS_MS) {
    ctx.addIssue({ code: 'custom', message: `not a timestamp between 2000 and 2100 (ISO 8601 or epoch milliseconds): ${JSON.stringify(v).slice(0, 64)}` });
    return z.NEVER;
  }
  return Math.round(ms);
});

/** Names that end up as map keys, label values and dashboard variables: printable, bounded, no quoting needed. */
export const name = (what: string, max = 128) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} longer than ${max} characters`)
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.:\/-]*$/, `${what} may hold only letters, digits and _ . : / - (and must not start with a symbol)`);

// A lone UTF-16 surrogate (JSON's "\ud800" escape) has no UTF-8 form: the engine refuses the row.
// Refused here, it is a dead letter that says why, rather than a row the insert bisects away.
const WELL_FORMED = 'holds a lone UTF-16 surrogate (an unpaired \\uD800-\\uDFFF escape), which has no UTF-8 form';

/** Text the engine can store: UTF-16 without lone surrogates. */
export const wellFormed = (s: string) => s.isWellFormed();

/** Free text with a hard length bound, so one event cannot blow up a batch. */
export const text = (max: number) => z.string().max(max, `longer than ${max} characters`).refine(wellFormed, WELL_FORMED);

/** An identifier of bounded length (prediction, run and event ids). */
export const id = (max = 256) => z.string().min(1).max(max).refine(wellFormed, WELL_FORMED);

// zod 4's number() already refuses NaN and ±Infinity.
export const finiteNumber = z.number();

/** A duration written as `500ms`, `15s`, `2h`, `1h30m` or milliseconds, normalised to milliseconds. */
export const durationMs = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDurationMs(v);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${JSON.stringify(v)} (use e.g. 500ms, 15s, 2h, 7d or milliseconds)` });
    return z.NEVER;
  }
  return ms;
});

/** A duration that must be longer than zero. */
export const positiveDurationMs = durationMs.refine((v) => v > 0, 'must be a positive duration');
