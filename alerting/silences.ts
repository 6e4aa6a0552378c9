import { randomUUID } from 'node:crypto';
import { MlobsError } from '../core/errors.js';
import { formatMatcher, matches, parseMatcher, type Labels, type Matcher } from './matchers.js';
import { preview } from '../core/preview.js';
import { parseTime, windowError } from '../core/time.js';

/** A silence: alerts matching every matcher are not notified between startsAt and endsAt. */
export interface Silence {
  id: string;
  matchers: string[];
  startsAtMs: number;
  endsAtMs: number;
  createdBy: string;
  comment: string;
  updatedAtMs: number;
}

export type SilenceState = 'pending' | 'active' | 'expired';

export class SilenceError extends MlobsError {
  constructor(message: string, readonly status: number) {
    super(message, { reason: 'bad_silence', retryable: false });
  }
}

export const silenceState = (s: Silence, now: number): SilenceState => (now < s.startsAtMs ? 'pending' : now < s.endsAtMs ? 'active' : 'expired');

/** The silences of the stack, in memory; `persist` stores every change (ClickHouse in the stack). */
export class Silences {
  private readonly byId = new Map<string, Silence>();
  private readonly parsed = new Map<string, Matcher[]>();
  constructor(private readonly persist: (s: Silence) => void) {}

  load(all: Silence[]): void {
    for (const s of all) this.set(s);
  }

  list(now: number): (Silence & { state: SilenceState })[] {
    return [...this.byId.values()].map((s) => ({ ...s, state: silenceState(s, now) })).sort((a, b) => b.startsAtMs - a.startsAtMs);
  }

  /** Validates and stores a new silence; refuses one that duplicates a pending or active silence over an overlapping time. */
  create(input: { matchers?: unknown; startsAt?: unknown; endsAt?: unknown; createdBy?: unknown; comment?: unknown }, now: number): Silence {
    if (!Array.isArray(input.matchers) || !input.matchers.length) throw new SilenceError('matchers: give at least one matcher, e.g. ["alertname=\\"GpuIdle\\""]', 400);
    const parsed: Matcher[] = [];
    for (const m of input.matchers) {
      const p = typeof m === 'string' ? parseMatcher(m) : `matcher must be a string, got ${preview(m)}`;
      if (typeof p === 'string') throw new SilenceError(`matchers: ${p}`, 400);
      parsed.push(p);
    }
    const time = (v: unknown, name: string, dflt?: number) => {
      if (v === undefined && dflt !== undefined) return dflt;
      const r = parseTime(v, now, name);
      if (!r.ok) throw new SilenceError(r.error, 400);
      return r.ms;
    };
    const startsAtMs = Math.max(time(input.startsAt, 'startsAt', now), now);
    const endsAtMs = time(input.endsAt, 'endsAt');
    const reversed = windowError(startsAtMs, endsAtMs, ['startsAt', 'endsAt']);
    if (reversed) throw new SilenceError(`${reversed} (a silence starts now at the earliest)`, 400);
    if (typeof input.createdBy !== 'string' || !input.createdBy.trim()) throw new SilenceError('createdBy: say who creates the silence', 400);
    if (typeof input.comment !== 'string' || !input.comment.trim()) throw new SilenceError('comment: say why the alerts are silenced', 400);
    const key = parsed.map(formatMatcher).sort().join(',');
    for (const s of this.byId.values()) {
      if (silenceState(s, now) === 'expired') continue;
      if (this.parsed.get(s.id)!.map(formatMatcher).sort().join(',') !== key) continue;
      if (startsAtMs < s.endsAtMs && s.startsAtMs < endsAtMs) {
        throw new SilenceError(`overlaps silence ${s.id} (same matchers, ${new Date(s.startsAtMs).toISOString()} to ${new Date(s.endsAtMs).toISOString()}, by ${s.createdBy}); expire it first or choose a time after it`, 409);
      }
    }
    const s: Silence = { id: randomUUID(), matchers: parsed.map(formatMatcher), startsAtMs, endsAtMs, createdBy: input.createdBy.trim(), comment: input.comment.trim(), updatedAtMs: now };
    this.set(s);
    this.persist(s);
    return s;
  }

  /** Ends a silence now; expiring an expired one is a no-op, an unknown id a 404. */
  expire(id: string, now: number): Silence {
    const s = this.byId.get(id);
    if (!s) throw new SilenceError(`no silence ${id}`, 404);
    if (silenceState(s, now) === 'expired') return s;
    const e = { ...s, endsAtMs: now, startsAtMs: Math.min(s.startsAtMs, now), updatedAtMs: now };
    this.set(e);
    this.persist(e);
    return e;
  }

  /** Ids of the active silences muting these labels. */
  silencing(labels: Labels, now: number): string[] {
    const out: string[] = [];
    for (const s of this.byId.values()) if (silenceState(s, now) === 'active' && matches(this.parsed.get(s.id)!, labels)) out.push(s.id);
    return out;
  }

  private set(s: Silence) {
    this.byId.set(s.id, s);
    this.parsed.set(s.id, s.matchers.map((m) => parseMatcher(m) as Matcher));
  }
}
