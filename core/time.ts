/**
 * The one time syntax of every endpoint and CLI flag that takes a time (queries, silences, declared
 * reference windows): ISO 8601 (a bare date is midnight UTC), epoch milliseconds, `now`, or `now`
 * plus or minus a duration (`now-1h`, `now-7d`, `now+2h`; units as in core/duration.ts).
 * Pure: the clock is passed in, so a request resolves every relative time against one instant.
 */
import { parseDurationMs } from './duration.js';
import { preview } from './preview.js';

/** Said in every error, so a user reading it knows what to type instead. */
export const TIME_SYNTAX = 'use ISO 8601 (2026-11-20 or 2026-11-20T10:00:00Z), epoch milliseconds, now, now-1h or now-7d';

// Outside these years a time is almost always a unit mistake (seconds for milliseconds), as for event timestamps.
const MIN_MS = Date.UTC(2000, 0, 1);
const MAX_MS = Date.UTC(2100, 0, 1);

export type TimeResult = { ok: true; ms: number } | { ok: false; error: string };

const bad = (name: string, text: unknown, why = TIME_SYNTAX): TimeResult => ({ ok: false, error: `${name}: not a time: ${preview(text, 64)} (${why})` });

// Beyond ±8.64e15 ms a JS Date is invalid: such a time could neither be shown (toISOString throws) nor meant.
const MAX_DATE_MS = 8.64e15;

/** Reads one time; `name` (a parameter or flag) starts the error message. Never throws. */
export function parseTime(input: unknown, nowMs: number, name = 'time'): TimeResult {
  // A JSON number is typed as epoch milliseconds by its API (silences, declared windows) and is taken
  // as is; text is where seconds get pasted for milliseconds, so only text is held to 2000–2100.
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 && input <= MAX_DATE_MS ? { ok: true, ms: Math.round(input) } : bad(name, input);
  if (typeof input !== 'string') return bad(name, input);
  const t = input.trim();
  let ms: number;
  const rel = /^now(?:([+-])(.+))?$/.exec(t);
  if (rel) {
    if (!rel[1]) return { ok: true, ms: nowMs };
    const d = parseDurationMs(rel[2]!);
    if (d === null || /^\d+(\.\d+)?$/.test(rel[2]!.trim())) return bad(name, input, `the offset needs a unit, e.g. now-15m, now-1h, now-7d; ${TIME_SYNTAX}`);
    ms = rel[1] === '-' ? nowMs - d : nowMs + d;
  } else if (/^\d+$/.test(t)) ms = Number(t);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(t)) ms = Date.parse(`${t}T00:00:00Z`);
  else if (/^\d{4}-\d{2}-\d{2}T/.test(t)) ms = Date.parse(t);
  else return bad(name, input);
  return inRange(ms, name, input);
}

function inRange(ms: number, name: string, input: unknown): TimeResult {
  if (!Number.isFinite(ms)) return bad(name, input);
  if (ms < MIN_MS || ms >= MAX_MS) return bad(name, input, `outside 2000–2100; epoch times are in milliseconds; ${TIME_SYNTAX}`);
  return { ok: true, ms: Math.round(ms) };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The one check that a window is not empty or reversed; null when it is fine. */
export function windowError(fromMs: number, toMs: number, names: readonly [string, string] = ['from', 'to']): string | null {
  if (fromMs < toMs) return null;
  return `${names[0]} must be before ${names[1]}: ${names[0]} is ${iso(fromMs)}, ${names[1]} is ${iso(toMs)}`;
}

export type WindowResult = { ok: true; fromMs: number; toMs: number } | { ok: false; error: string };

/**
 * Reads a [from, to) window. `to` defaults to now whenever it is missing; `from` is required unless
 * `defaultSpanMs` is given (then it is that long before `to`). Empty strings count as missing.
 */
export function parseWindow(
  raw: { from?: unknown; to?: unknown },
  nowMs: number,
  opts: { names?: readonly [string, string]; defaultSpanMs?: number } = {},
): WindowResult {
  const names = opts.names ?? (['from', 'to'] as const);
  const given = (v: unknown) => v !== undefined && v !== '';
  // `from` first: a request missing it is told so before anything else.
  const from = given(raw.from) ? parseTime(raw.from, nowMs, names[0]) : null;
  if (from && !from.ok) return from;
  if (!from && opts.defaultSpanMs === undefined) return { ok: false, error: `${names[0]} is required (${TIME_SYNTAX})` };
  const to = given(raw.to) ? parseTime(raw.to, nowMs, names[1]) : { ok: true as const, ms: nowMs };
  if (!to.ok) return to;
  const toMs = to.ms;
  const fromMs = from ? from.ms : toMs - opts.defaultSpanMs!;
  const error = windowError(fromMs, toMs, names);
  return error ? { ok: false, error } : { ok: true, fromMs, toMs };
}
