import type { Alert } from './lifecycle.js';
import { matches, parseMatchers, type Matcher } from './matchers.js';

export interface InhibitRule {
  source: Matcher[];
  target: Matcher[];
  equal: string[];
}

/** A firing page of an SLO makes its ticket redundant: same SLO, same budget, one notification. */
export const BUILTIN_INHIBIT: InhibitRule = {
  source: parseMatchers(['alertname="ErrorBudgetBurn"', 'severity="page"']),
  target: parseMatchers(['alertname="ErrorBudgetBurn"', 'severity="ticket"']),
  equal: ['slo'],
};

export function compileInhibitRules(cfg: { sourceMatchers: string[]; targetMatchers: string[]; equal: string[] }[]): InhibitRule[] {
  return [BUILTIN_INHIBIT, ...cfg.map((r) => ({ source: parseMatchers(r.sourceMatchers), target: parseMatchers(r.targetMatchers), equal: r.equal }))];
}

/**
 * The fingerprint of a firing alert that inhibits `target`, if any (Alertmanager semantics: the source
 * matches the source matchers, the target the target matchers, the `equal` labels agree, and an alert
 * never inhibits itself).
 */
export function inhibitedBy(target: Alert, firing: readonly Alert[], rules: readonly InhibitRule[]): string | undefined {
  for (const r of rules) {
    if (!matches(r.target, target.labels)) continue;
    for (const s of firing) {
      if (s.fingerprint === target.fingerprint || s.state !== 'firing' || !matches(r.source, s.labels)) continue;
      if (r.equal.every((l) => (s.labels[l] ?? '') === (target.labels[l] ?? ''))) return s.fingerprint;
    }
  }
  return undefined;
}
