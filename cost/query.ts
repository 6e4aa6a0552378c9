import { MlobsError } from '../core/errors.js';
import { parseWindow } from '../core/time.js';

/** The groupings a report can have, besides `label:NAME` (any pod label, as OpenCost's `aggregate=label:NAME`). */
export const GROUP_BYS = ['team', 'namespace', 'pod', 'model', 'node', 'gpu_model'] as const;
export type GroupBy = (typeof GROUP_BYS)[number] | `label:${string}`;
const LABEL_BY = /^label:([A-Za-z0-9_./-]+)$/;

/** A bad cost request (unknown grouping, unreadable or empty time range); maps to HTTP 400. */
export class CostQueryError extends MlobsError {
  constructor(message: string) {
    super(message, { reason: 'bad_request', retryable: false });
    this.name = 'CostQueryError';
  }
}

/** A validated report request: the window [fromMs, toMs), the part of it that has happened [fromMs, endMs), and the previous period [previousFromMs, fromMs) of that length. */
export interface CostQuery {
  by: GroupBy;
  fromMs: number;
  toMs: number;
  endMs: number;
  previousFromMs: number;
}

/** The window when no `from` is given: the 7 days before `to`. */
export const DEFAULT_WINDOW_MS = 7 * 86_400_000;
const MAX_WINDOW_MS = 400 * 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Validates raw request parameters (strings, possibly repeated or missing) against the clock; throws CostQueryError naming the problem. */
export function parseCostQuery(raw: Record<string, unknown>, now: number): CostQuery {
  const one = (name: string): string | undefined => {
    const v = raw[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new CostQueryError(`${name} must be given once, as text`);
    return v;
  };
  const byText = one('by') ?? 'team';
  if (!(GROUP_BYS as readonly string[]).includes(byText) && !LABEL_BY.test(byText)) {
    throw new CostQueryError(`unknown grouping ${JSON.stringify(byText)}: use one of ${GROUP_BYS.join(', ')}, or label:NAME with a pod label's key`);
  }
  const window = parseWindow({ from: one('from'), to: one('to') }, now, { defaultSpanMs: DEFAULT_WINDOW_MS });
  if (!window.ok) throw new CostQueryError(window.error);
  const { fromMs, toMs } = window;
  if (toMs - fromMs > MAX_WINDOW_MS) throw new CostQueryError(`time range too long: at most 400 days, got ${((toMs - fromMs) / 86_400_000).toFixed(1)}`);
  if (fromMs >= now) throw new CostQueryError(`from (${iso(fromMs)}) is in the future: nothing has been measured yet`);
  // The previous period matches the part of the window that has happened, so that "this week so far"
  // compares with as many hours of the week before.
  const endMs = Math.min(toMs, now);
  return { by: byText as GroupBy, fromMs, toMs, endMs, previousFromMs: fromMs - (endMs - fromMs) };
}
