import { describe, expect, it } from 'vitest';
import { validateConfig } from '../app/config.js';

describe('drift config', () => {
  it('has working defaults', () => {
    const d = validateConfig({}).drift;
    expect(d).toMatchObject({ methods: ['auto'], thresholds: { ks: 0.05, wasserstein: 0.1, psi: 0.1, js: 0.1, chi2: 0.05 }, missingThreshold: 0.05, dataset: { share: 0.5, correction: 'none' } });
  });

  it('waits a minute of allowed lateness and watches the last 24 windows for late data by default', () => {
    expect(validateConfig({}).drift.schedule).toEqual({ allowedLatenessMs: 60_000, reevaluateLast: 24 });
    expect(validateConfig({ drift: { schedule: { allowedLatenessMs: '0s', reevaluateLast: 0 } } }).drift.schedule).toEqual({ allowedLatenessMs: 0, reevaluateLast: 0 });
  });

  it('parses references, schedules and per-feature overrides', () => {
    const d = validateConfig({
      drift: { models: [{ model: 'm', reference: { type: 'rolling', offset: '7d' }, thresholds: { psi: 'learned' }, features: { a: { method: 'psi', weight: 2 } }, schedule: { every: '1h', segments: ['country'] } }] },
    }).drift;
    expect(d.models[0]).toMatchObject({ reference: { type: 'rolling', offset: 7 * 86_400_000 }, schedule: { every: 3_600_000, segments: ['country'] }, features: { a: { method: 'psi', weight: 2 } } });
  });

  it.each([
    [{ thresholds: { ks: 'learned' } }, 'drift.thresholds.ks'],
    [{ models: [{ model: 'm' }, { model: 'm' }] }, 'duplicate model m'],
    [{ models: [{ model: 'm', reference: { type: 'window', from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' } }] }, 'from must be before to'],
    [{ models: [{ model: 'm', schedule: { every: 'soon' } }] }, 'drift.models.0.schedule.every'],
    [{ methods: ['magic'] }, 'drift.methods.0'],
    [{ schedule: { allowedLatenessMs: 'a while' } }, 'drift.schedule.allowedLatenessMs'],
    [{ schedule: { reevaluateLast: -1 } }, 'drift.schedule.reevaluateLast'],
    [{ schedule: { lateness: '1m' } }, 'lateness'],
  ])('refuses %j naming the problem', (drift, message) => {
    expect(() => validateConfig({ drift })).toThrow(message);
  });
});
