// The SLO arithmetic of the SRE workbook (and Sloth), as pure functions: no clock, no I/O.

/** Burn-rate factor of a window: the speed at which spending `budgetShare` of the budget within `longWindowMs` would go. */
export function burnRateFactor(budgetShare: number, periodMs: number, longWindowMs: number): number {
  return (budgetShare * periodMs) / longWindowMs;
}

/** The error budget as a ratio: 1 − objective (0.005 for 99.5 %). */
export function errorBudget(objective: number): number {
  return 1 - objective;
}

/** Error ratio above which a window of this factor alerts. */
export function alertThreshold(objective: number, factor: number): number {
  return factor * errorBudget(objective);
}

/** Bad/total as a ratio; an empty window has burned nothing (no traffic is not an outage of this SLI). */
export function errorRatio(bad: number, total: number): number {
  return total > 0 ? bad / total : 0;
}

/** Share of the period's error budget left: 1 − errorRatio/budget (negative once overspent). */
export function budgetRemaining(objective: number, periodErrorRatio: number): number {
  return 1 - periodErrorRatio / errorBudget(objective);
}

/** True when a window's ratio exceeds its threshold; strictly greater, as Sloth's `>` rules. */
export function burning(ratio: number, threshold: number): boolean {
  return ratio > threshold + 1e-12 * threshold;
}

/**
 * Milliseconds of (from, to] during which the pipeline was stale: more than `maxGapMs` after its last
 * successful run. `successes` are run completion times, ascending, and must include the last one before `from`.
 */
export function staleMs(successes: readonly number[], maxGapMs: number, from: number, to: number): number {
  if (to <= from) return 0;
  let stale = 0;
  // Before the first known success the pipeline counts as stale: never having run is not fresh.
  let freshUntil = -Infinity;
  let cursor = from;
  for (const s of successes) {
    if (s > to) break;
    if (s > cursor) {
      stale += Math.max(0, s - Math.max(cursor, freshUntil));
      cursor = s;
    }
    freshUntil = Math.max(freshUntil, s + maxGapMs);
  }
  stale += Math.max(0, to - Math.max(cursor, freshUntil));
  return stale;
}
