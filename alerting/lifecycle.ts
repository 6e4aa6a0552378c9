import { canonical, fingerprint } from './fingerprint.js';
import type { Labels } from './matchers.js';

export type AlertState = 'pending' | 'firing' | 'resolved';

/** One alert instance: a rule's condition for one label set, moving pending → firing → resolved. */
export interface Alert {
  fingerprint: string;
  rule: string;
  labels: Labels;
  annotations: Record<string, string>;
  state: AlertState;
  /** When the condition started holding (start of pending). */
  activeAtMs: number;
  /** When it started firing (the `startsAt` receivers see); 0 while pending. */
  firedAtMs: number;
  /** When it resolved (`endsAt`); 0 while not resolved. */
  resolvedAtMs: number;
  /** The last evaluation at which the condition held (for keep_firing_for). */
  lastActiveMs: number;
  value: number;
}

/** The condition of a rule holding for one label set at one evaluation. */
export interface Candidate {
  labels: Labels;
  annotations: Record<string, string>;
  value: number;
}

export interface RuleTiming {
  name: string;
  forMs: number;
  keepFiringForMs: number;
}

/**
 * Advances every alert of one rule by one evaluation (Prometheus semantics): a new condition goes
 * pending, fires once it held `forMs`, keeps firing `keepFiringForMs` after it stopped holding, then
 * resolves; a pending alert whose condition stops is dropped. Mutates `alerts` (keyed by fingerprint);
 * returns the alerts whose state changed and those removed (pending that stopped, resolved past retention).
 */
export function advance(
  alerts: Map<string, Alert>,
  rule: RuleTiming,
  candidates: readonly Candidate[],
  now: number,
  resolvedRetentionMs: number,
): { changed: Alert[]; dropped: Alert[] } {
  const changed: Alert[] = [];
  const dropped: Alert[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    const labels = canonical(c.labels);
    const fp = fingerprint(labels);
    if (seen.has(fp)) continue;
    seen.add(fp);
    const prev = alerts.get(fp);
    if (prev && prev.state !== 'resolved') {
      prev.lastActiveMs = now;
      prev.value = c.value;
      prev.annotations = c.annotations;
      if (prev.state === 'pending' && now - prev.activeAtMs >= rule.forMs) {
        prev.state = 'firing';
        prev.firedAtMs = now;
        changed.push(prev);
      }
      continue;
    }
    const firing = rule.forMs <= 0;
    const a: Alert = {
      fingerprint: fp,
      rule: rule.name,
      labels,
      annotations: c.annotations,
      state: firing ? 'firing' : 'pending',
      activeAtMs: now,
      firedAtMs: firing ? now : 0,
      resolvedAtMs: 0,
      lastActiveMs: now,
      value: c.value,
    };
    alerts.set(fp, a);
    changed.push(a);
  }
  for (const a of [...alerts.values()]) {
    if (a.rule !== rule.name || seen.has(a.fingerprint)) continue;
    if (a.state === 'pending') {
      alerts.delete(a.fingerprint);
      dropped.push(a);
    } else if (a.state === 'firing') {
      if (now - a.lastActiveMs < rule.keepFiringForMs) continue;
      a.state = 'resolved';
      a.resolvedAtMs = now;
      changed.push(a);
    } else if (now - a.resolvedAtMs >= resolvedRetentionMs) {
      alerts.delete(a.fingerprint);
      dropped.push(a);
    }
  }
  return { changed, dropped };
}
