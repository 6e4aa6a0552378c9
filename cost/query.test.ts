import { describe, expect, it } from 'vitest';
import { parseCostQuery } from './query.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');

describe('parseCostQuery', () => {
  it('defaults to the last 7 days by team, and the previous 7 days before them', () => {
    expect(parseCostQuery({}, NOW)).toEqual({ by: 'team', fromMs: NOW - 7 * 86_400_000, toMs: NOW, endMs: NOW, previousFromMs: NOW - 14 * 86_400_000 });
  });

  it('measures a window reaching into the future only up to now, and compares with as long a period before', () => {
    const q = parseCostQuery({ from: 'now-1d', to: '2026-12-01' }, NOW);
    expect(q.endMs).toBe(NOW);
    expect(q.previousFromMs).toBe(NOW - 2 * 86_400_000);
  });

  it.each([
    [{ by: 'colour' }, 'unknown grouping "colour": use one of team, namespace, pod, model, node, gpu_model'],
    [{ by: ['team', 'pod'] }, 'by must be given once, as text'],
    [{ from: 'soon' }, 'from: not a time: "soon"'],
    [{ to: '2026-11-01', from: '2026-11-02' }, 'from must be before to: from is 2026-11-02T00:00:00.000Z, to is 2026-11-01T00:00:00.000Z'],
    [{ to: '2026-11-01', from: '2026-11-01' }, 'from must be before to: from is 2026-11-01T00:00:00.000Z, to is 2026-11-01T00:00:00.000Z'],
    [{ from: '2020-01-01', to: '2026-01-01' }, 'time range too long'],
    [{ from: '2026-12-01', to: '2026-12-02' }, 'from (2026-12-01T00:00:00.000Z) is in the future'],
  ])('refuses %j, saying so', (raw, message) => {
    expect(() => parseCostQuery(raw as Record<string, unknown>, NOW)).toThrow(message);
  });
});
