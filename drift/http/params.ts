/** Query-string parsing for the drift endpoints: every bad parameter is a 400 naming it. */
import { MlobsError } from '../../core/errors.js';
import { parseDurationMs } from '../../core/duration.js';
import { timestampMs } from '../../core/schemas/common.js';
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

/** An instant as ISO 8601 or epoch milliseconds. */
export function time(q: Query, name: string, need = true): number | undefined {
  const v = need ? required(q, name) : str(q, name);
  if (v === undefined) return undefined;
  const r = timestampMs.safeParse(v);
  if (!r.success) throw badRequest(`parameter ${name}: ${r.error.issues[0]?.message}`);
  return r.data;
}

/** The reference a request asks for: reference_from/reference_to, or reference=upload|rolling:<duration>. */
export function referenceParam(q: Query): ReferenceSpec | undefined {
  const from = time(q, 'reference_from', false);
  const to = time(q, 'reference_to', false);
  const kind = str(q, 'reference');
  if ((from === undefined) !== (to === undefined)) throw badRequest('reference_from and reference_to go together');
  if (from !== undefined && to !== undefined) {
    if (kind !== undefined && kind !== 'window') throw badRequest('reference_from/reference_to describe a window; drop reference=');
    if (!(from < to)) throw badRequest('reference_from must be before reference_to');
    return { type: 'window', from, to };
  }
  if (kind === undefined) return undefined;
  if (kind === 'upload') return { type: 'upload' };
  const m = /^rolling:(.+)$/.exec(kind);
  if (m) {
    const offset = parseDurationMs(m[1]!);
    if (offset === null || offset <= 0) throw badRequest(`reference=rolling:<duration> needs a positive duration such as 7d, got ${JSON.stringify(m[1])}`);
    return { type: 'rolling', offset };
  }
  throw badRequest(`reference must be upload or rolling:<duration> (or give reference_from and reference_to), got ${JSON.stringify(kind)}`);
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
