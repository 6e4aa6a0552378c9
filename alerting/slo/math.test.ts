import { describe, expect, it } from 'vitest';
import { alertThreshold, budgetRemaining, burnRateFactor, burning, errorRatio, staleMs } from './math.js';

const H = 3_600_000;
const D = 24 * H;

describe('SLO arithmetic', () => {
  it('gives the SRE workbook factors 14.4, 6, 3 and 1 for a 30-day period', () => {
    expect(burnRateFactor(0.02, 30 * D, H)).toBeCloseTo(14.4, 10);
    expect(burnRateFactor(0.05, 30 * D, 6 * H)).toBeCloseTo(6, 10);
    expect(burnRateFactor(0.1, 30 * D, D)).toBeCloseTo(3, 10);
    expect(burnRateFactor(0.1, 30 * D, 3 * D)).toBeCloseTo(1, 10);
  });

  it('scales the factors with the period, so 28 days page at 13.44x', () => {
    expect(burnRateFactor(0.02, 28 * D, H)).toBeCloseTo(13.44, 10);
  });

  it('turns a factor into an error-ratio threshold through the budget', () => {
    expect(alertThreshold(0.995, 14.4)).toBeCloseTo(0.072, 12);
    expect(burning(0.072, 0.072)).toBe(false);
    expect(burning(0.0721, 0.072)).toBe(true);
  });

  it('reports the remaining budget, negative once overspent, and treats an empty window as no errors', () => {
    expect(budgetRemaining(0.99, 0)).toBe(1);
    expect(budgetRemaining(0.99, 0.005)).toBeCloseTo(0.5, 12);
    expect(budgetRemaining(0.99, 0.02)).toBeCloseTo(-1, 12);
    expect(errorRatio(0, 0)).toBe(0);
  });

  it('counts stale time only after the allowed gap since the last success', () => {
    // success at 0, gap 10: fresh until 10; next success at 25 → stale 10..25 = 15; then fresh until 35; window ends 40 → 5 more.
    expect(staleMs([0, 25], 10, 0, 40)).toBe(20);
    expect(staleMs([0, 25], 10, 12, 30)).toBe(13);
    expect(staleMs([], 10, 0, 40)).toBe(40);
    expect(staleMs([-100], 10, 0, 40)).toBe(40);
    expect(staleMs([-5], 10, 0, 40)).toBe(35);
  });
});
