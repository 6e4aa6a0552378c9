import { describe, expect, it } from 'vitest';
import { advance, type Alert } from './lifecycle.js';
import { fingerprint } from './fingerprint.js';

const cand = (labels: Record<string, string> = { alertname: 'X', gpu: '0' }) => ({ labels, annotations: {}, value: 1 });

describe('alert lifecycle', () => {
  it('goes pending, then firing exactly when the condition has held for `for`', () => {
    const alerts = new Map<string, Alert>();
    const rule = { name: 'X', forMs: 60_000, keepFiringForMs: 0 };
    advance(alerts, rule, [cand()], 0, 1);
    expect([...alerts.values()][0]!.state).toBe('pending');
    advance(alerts, rule, [cand()], 59_999, 1);
    expect([...alerts.values()][0]!.state).toBe('pending');
    const { changed } = advance(alerts, rule, [cand()], 60_000, 1);
    expect(changed.map((a) => [a.state, a.firedAtMs, a.activeAtMs])).toEqual([['firing', 60_000, 0]]);
  });

  it('drops a pending alert whose condition stops, without ever firing', () => {
    const alerts = new Map<string, Alert>();
    const rule = { name: 'X', forMs: 60_000, keepFiringForMs: 0 };
    advance(alerts, rule, [cand()], 0, 1);
    const { dropped } = advance(alerts, rule, [], 1000, 1);
    expect(dropped).toHaveLength(1);
    expect(alerts.size).toBe(0);
  });

  it('keeps firing for keep_firing_for after the condition stops, then resolves', () => {
    const alerts = new Map<string, Alert>();
    const rule = { name: 'X', forMs: 0, keepFiringForMs: 30_000 };
    advance(alerts, rule, [cand()], 0, 600_000);
    advance(alerts, rule, [], 29_999, 600_000);
    expect([...alerts.values()][0]!.state).toBe('firing');
    advance(alerts, rule, [], 30_000, 600_000);
    expect([...alerts.values()][0]).toMatchObject({ state: 'resolved', resolvedAtMs: 30_000, firedAtMs: 0 });
    // A new occurrence after resolution is a new alert with a new start, under the same fingerprint.
    advance(alerts, rule, [cand()], 40_000, 600_000);
    expect([...alerts.values()][0]).toMatchObject({ state: 'firing', firedAtMs: 40_000, resolvedAtMs: 0 });
  });

  it('forgets resolved alerts after the retention and never touches other rules', () => {
    const alerts = new Map<string, Alert>();
    advance(alerts, { name: 'Y', forMs: 0, keepFiringForMs: 0 }, [cand({ alertname: 'Y' })], 0, 10);
    const rule = { name: 'X', forMs: 0, keepFiringForMs: 0 };
    advance(alerts, rule, [cand()], 0, 10);
    advance(alerts, rule, [], 1, 10);
    advance(alerts, rule, [], 11, 10);
    expect([...alerts.values()].map((a) => a.rule)).toEqual(['Y']);
  });

  it('identifies an alert by its label set, whatever the key order', () => {
    expect(fingerprint({ b: '2', a: '1' })).toBe(fingerprint({ a: '1', b: '2' }));
    expect(fingerprint({ a: '1' })).not.toBe(fingerprint({ a: '2' }));
    expect(fingerprint({ a: '1', b: '' })).toBe(fingerprint({ a: '1' }));
  });
});
