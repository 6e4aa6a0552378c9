import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { predictionEvent } from './events.js';
import { validateEvent } from './validate.js';

const nameArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.:-]{0,20}$/);
const validPrediction = fc.record({
  model: nameArb,
  prediction_id: fc.string({ minLength: 1, maxLength: 40 }),
  timestamp: fc.integer({ min: Date.UTC(2001, 0, 1), max: Date.UTC(2099, 0, 1) }),
  features: fc.dictionary(nameArb, fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 50 }), fc.boolean(), fc.constant(null)), { maxKeys: 30 }),
  prediction: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 20 })),
  score: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: undefined }),
});

describe('prediction schema (property-based)', () => {
  it('accepts every well-formed prediction and keeps its features unchanged', () => {
    fc.assert(
      fc.property(validPrediction, (p) => {
        const r = validateEvent('prediction', p);
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.event.features).toEqual(p.features);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary JSON and always names a reason when it refuses', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const r = validateEvent('prediction', v);
        if (!r.ok) expect(r.error.length).toBeGreaterThan(0);
        else expect(predictionEvent.safeParse(v).success).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a well-formed prediction once any one field is corrupted', () => {
    const corrupt = fc.constantFrom(
      (p: any) => ({ ...p, model: '' }),
      (p: any) => ({ ...p, timestamp: 'not a time' }),
      (p: any) => ({ ...p, features: { ...p.features, 'bad name!': 1 } }),
      (p: any) => ({ ...p, features: { ...p.features, nested: { a: 1 } } }),
      (p: any) => ({ ...p, prediction: null }),
      (p: any) => ({ ...p, score: 'high' }),
      (p: any) => ({ ...p, unknown_field: 1 }),
    );
    fc.assert(
      fc.property(validPrediction, corrupt, (p, f) => {
        expect(validateEvent('prediction', f(p)).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
