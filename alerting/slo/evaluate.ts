import type { BurnWindow, SloConfig } from '../config.js';
import { alertThreshold, budgetRemaining, burnRateFactor, burning, errorRatio } from './math.js';
import type { WindowCount } from './sli.js';

/** One long/short window pair of an SLO alert, with the numbers that decided it. */
export interface PairResult {
  longWindowMs: number;
  shortWindowMs: number;
  budgetShare: number;
  factor: number;
  threshold: number;
  longRatio: number;
  shortRatio: number;
  burning: boolean;
}

/** The page or ticket alert of one SLO: burning when any of its window pairs burns in both windows. */
export interface BurnResult {
  severity: 'page' | 'ticket';
  enabled: boolean;
  burning: boolean;
  pairs: PairResult[];
}

/** Everything `GET /v1/slo` tells about one SLO at one instant. */
export interface SloStatus {
  slo: string;
  service?: string;
  sli: SloConfig['sli'];
  objective: number;
  periodMs: number;
  errorBudget: number;
  periodErrorRatio: number;
  /** Share of the period's budget left; negative once overspent. */
  budgetRemaining: number;
  /** Events (or milliseconds, for freshness) seen in the period; 0 means no data. */
  periodTotal: number;
  page: BurnResult;
  ticket: BurnResult;
  evaluatedAtMs: number;
}

/** Every distinct window an SLO evaluation needs: both windows of each pair, and the period. */
export function windowsFor(slos: readonly SloConfig[], burn: { page: BurnWindow[]; ticket: BurnWindow[] }): number[] {
  const set = new Set<number>();
  for (const w of [...burn.page, ...burn.ticket]) set.add(w.longWindowMs).add(w.shortWindowMs);
  for (const s of slos) set.add(s.periodMs);
  return [...set].sort((a, b) => a - b);
}

/** Decides the page and ticket alerts and the budget of one SLO from its window counts. */
export function evaluateSlo(slo: SloConfig, burn: { page: BurnWindow[]; ticket: BurnWindow[] }, counts: readonly WindowCount[], now: number): SloStatus {
  const ratio = (w: number) => {
    const c = counts.find((x) => x.windowMs === w);
    return c ? errorRatio(c.bad, c.total) : 0;
  };
  const family = (severity: 'page' | 'ticket', windows: BurnWindow[], enabled: boolean): BurnResult => {
    const pairs = windows.map((w) => {
      const factor = burnRateFactor(w.budgetShare, slo.periodMs, w.longWindowMs);
      const threshold = alertThreshold(slo.objective, factor);
      const longRatio = ratio(w.longWindowMs);
      const shortRatio = ratio(w.shortWindowMs);
      return { ...w, factor, threshold, longRatio, shortRatio, burning: burning(longRatio, threshold) && burning(shortRatio, threshold) };
    });
    return { severity, enabled, burning: enabled && pairs.some((p) => p.burning), pairs };
  };
  const period = counts.find((c) => c.windowMs === slo.periodMs);
  const periodErrorRatio = ratio(slo.periodMs);
  return {
    slo: slo.name,
    ...(slo.service ? { service: slo.service } : {}),
    sli: slo.sli,
    objective: slo.objective,
    periodMs: slo.periodMs,
    errorBudget: 1 - slo.objective,
    periodErrorRatio,
    budgetRemaining: budgetRemaining(slo.objective, periodErrorRatio),
    periodTotal: period?.total ?? 0,
    page: family('page', burn.page, slo.page),
    ticket: family('ticket', burn.ticket, slo.ticket),
    evaluatedAtMs: now,
  };
}
