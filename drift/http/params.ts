/** Query-string parsing for the drift endpoints: every bad parameter is a 400 naming it. */
import { MlobsError } from '../../core/errors.js';
import { parseDurationMs } from '../../core/duration.js';
import { parseTime, parseWindow } from '../../core/time.js';
import type { ReferenceSpec } from '../config.js';
import { parseMethods, type MethodRequest } from '../report/choose.js';

export const badRequest = (message: string) => new MlobsError(message, { reason: 'bad_request', retryable: false });

type Query = Record<string, unknown>;

/** A single string parameter, or undefined; repeated parameters are an error. */
export function str(q: Query, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`parameter ${name} must be given once`);
  return v;
}

export function required(q: Query, name: string): string {
  const v = str(q, name);
  if (v === undefined || v === '') throw badRequest(`parameter ${name} is required`);
  return v;
}

/** One instant in the shared time syntax (core/time.ts), resolved against `now`. */
export function time(q: Query, name: string, now: number, need = true): number | undefined {
  const v = need ? required(q, name) : str(q, name);
  if (v === undefined) return undefined;
  const r = parseTime(v, now, name);
  if (!r.ok) throw badRequest(`parameter ${r.error}`);
  return r.ms;
}

/** The current window: from is required, to defaults to now. */
export function windowParams(q: Query, now: number): { fromMs: number; toMs: number } {
  const r = parseWindow({ from: str(q, 'from'), to: str(q, 'to') }, now);
  if (!r.ok) throw badRequest(`parameter ${r.error}`);
  return { fromMs: r.fromMs, toMs: r.toMs };
}

/** The reference a request asks for: reference_from/reference_to, or reference=upload|rolling:<duration>|alias:<alias>. */
export function referenceParam(q: Query, now: number): ReferenceSpec | undefined {
  const from = str(q, 'reference_from');
  const to = str(q, 'reference_to');
  const kind = str(q, 'reference');
  const version = str(q, 'reference_version');
  if ((from === undefined) !== (to === undefined)) throw badRequest('reference_from and reference_to go together');
  if (version !== undefined) {
    // Another model version, over the current window or over reference_from/reference_to.
    if (kind !== undefined) throw badRequest('reference_version names the reference; drop reference=');
    if (!version || version.length > 128) throw badRequest('reference_version must be a model version (1–128 characters)');
    if (from === undefined || to === undefined) return { type: 'version', version };
    const r = parseWindow({ from, to }, now, { names: ['reference_from', 'reference_to'] });
    if (!r.ok) throw badRequest(`parameter ${r.error}`);
    return { type: 'version', version, from: r.fromMs, to: r.toMs };
  }
  if (from !== undefined && to !== undefined) {
    if (kind !== undefined && kind !== 'window') throw badRequest('reference_from/reference_to describe a window; drop reference=');
    const r = parseWindow({ from, to }, now, { names: ['reference_from', 'reference_to'] });
    if (!r.ok) throw badRequest(`parameter ${r.error}`);
    return { type: 'window', from: r.fromMs, to: r.toMs };
  }
  if (kind === undefined) return undefined;
  if (kind === 'upload') return { type: 'upload' };
  const m = /^rolling:(.+)$/.exec(kind);
  if (m) {
    const offset = parseDurationMs(m[1]!);
    if (offset === null || offset <= 0) throw badRequest(`reference=rolling:<duration> needs a positive duration such as 7d, got ${JSON.stringify(m[1])}`);
    return { type: 'rolling', offset };
  }
  const a = /^alias:(.+)$/.exec(kind);
  if (a) {
    if (a[1]!.length > 256) throw badRequest('reference=alias:<alias> takes an alias of at most 256 characters');
    return { type: 'alias', alias: a[1]! };
  }
  throw badRequest(`reference must be upload, rolling:<duration> or alias:<alias> (or give reference_from and reference_to), got ${JSON.stringify(kind)}`);
}

export function methodsParam(q: Query): MethodRequest[] | undefined {
  const v = str(q, 'methods');
  if (v === undefined) return undefined;
  try {
    return parseMethods(v);
  } catch (e) {
    throw badRequest(`parameter methods: ${(e as Error).message}`);
  }
}
