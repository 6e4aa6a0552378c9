import { describe, expect, it } from 'vitest';
import { dueWindows, nextDueAt, windowAt } from './settle.js';
import { supersededRows, SUPERSEDED } from './results.js';

const H = 3_600_000;
const M = 60_000;
const hourly = { every: H, segments: [] };

describe('the watermark', () => {
  it('makes a window due once its end plus the allowed lateness has passed, not before', () => {
    const T = 100 * H;
    expect(windowAt(hourly, T + 5 * M - 1, 5 * M)).toEqual({ fromMs: T - 2 * H, toMs: T - H });
    expect(windowAt(hourly, T + 5 * M, 5 * M)).toEqual({ fromMs: T - H, toMs: T });
    expect(windowAt({ ...hourly, window: 3 * H }, T + 5 * M, 5 * M)).toEqual({ fromMs: T - 3 * H, toMs: T });
  });

  it('schedules the next run when the next window becomes due', () => {
    const T = 100 * H;
    expect(nextDueAt(hourly, T + 5 * M - 1, 5 * M)).toBe(T + 5 * M);
    expect(nextDueAt(hourly, T + 5 * M, 5 * M)).toBe(T + H + 5 * M);
  });
});

describe('which windows are due', () => {
  const w = (h: number, fingerprint = `f${h}`) => ({ fromMs: h * H, toMs: (h + 1) * H, fingerprint });
  const latest = { fromMs: 10 * H, toMs: 11 * H };

  it('is the newest settled window when it was not evaluated yet', () => {
    expect(dueWindows(latest, [w(9)], [w(9)], ['f9'])).toEqual([latest]);
  });

  it('is nothing when the newest window was evaluated and no data changed', () => {
    expect(dueWindows(latest, [w(10), w(9)], [w(10), w(9)], ['f10', 'f9'])).toEqual([]);
  });

  it('adds every watched window whose data changed since, newest first, once each', () => {
    expect(dueWindows(latest, [w(9), w(8), w(7)], [w(9), w(8), w(7)], ['f9', 'changed', 'changed'])).toEqual([latest, { fromMs: 8 * H, toMs: 9 * H }, { fromMs: 7 * H, toMs: 8 * H }]);
    expect(dueWindows(latest, [w(10)], [w(10)], ['changed'])).toEqual([latest]);
  });

  it('watches no window when re-evaluation is off', () => {
    expect(dueWindows(latest, [w(10)], [], [])).toEqual([]);
  });
});

describe('superseded rows', () => {
  const fresh = [{ feature: '@label', method: 'chi2' }, { feature: 'amount', method: 'ks' }];

  it('retire exactly the keys of the earlier evaluation that the new one does not write again', () => {
    const previous = [
      { feature: '@label', method: 'status', kind: 'label' },
      { feature: 'amount', method: 'ks', kind: 'feature' },
    ];
    const rows = supersededRows(previous, fresh, 'm', 0, H, 5000) as Record<string, unknown>[];
    expect(rows).toEqual([
      expect.objectContaining({ model: 'm', feature: '@label', method: 'status', kind: 'label', status: SUPERSEDED, value: null, drifted: null, threshold: null, window_end: '3600.000', computed_at: '5.000' }),
    ]);
    expect(rows[0]).not.toHaveProperty('segment_name');
  });

  it('keep the segment in the key of per-segment rows', () => {
    const previous = [
      { feature: 'amount', method: 'ks', kind: 'feature', segment_name: 'country', segment_value: 'DE' },
      { feature: 'amount', method: 'ks', kind: 'feature', segment_name: 'country', segment_value: 'FR' },
    ];
    const rows = supersededRows(previous, [{ ...fresh[1], segment_name: 'country', segment_value: 'DE' }], 'm', 0, H, 5000);
    expect(rows).toEqual([expect.objectContaining({ segment_name: 'country', segment_value: 'FR', feature: 'amount', method: 'ks', status: SUPERSEDED })]);
  });
});
