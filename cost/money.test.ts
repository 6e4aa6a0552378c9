import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apportion, round } from './money.js';

describe('apportion', () => {
  it('rounds three thirds of a dollar so that they still add up to the dollar', () => {
    expect(apportion([1 / 3, 1 / 3, 1 / 3], 2)).toEqual({ parts: [0.34, 0.33, 0.33], total: 1 });
  });

  it('gives the missing cents to the largest remainders, a tie to the earlier part', () => {
    expect(apportion([0.004, 0.004, 0.007], 2)).toEqual({ parts: [0.01, 0, 0.01], total: 0.02 });
  });

  it('is not fooled by float noise at a half cent', () => {
    expect(round(0.1 + 0.2 + 0.005, 2)).toBe(0.31);
    expect(apportion([1.005], 2).total).toBe(1.01);
  });

  it('always adds up to the rounded exact total, each part within one unit of its exact value', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e5, noNaN: true }), { maxLength: 50 }), (xs) => {
        const { parts, total } = apportion(xs, 2);
        const cents = parts.map((p) => Math.round(p * 100));
        expect(cents.reduce((a, b) => a + b, 0)).toBe(Math.round(total * 100));
        expect(Math.abs(total - xs.reduce((a, b) => a + b, 0))).toBeLessThanOrEqual(0.005 + 1e-6);
        parts.forEach((p, i) => expect(Math.abs(p - xs[i]!)).toBeLessThan(0.01 + 1e-6));
      }),
    );
  });
});
