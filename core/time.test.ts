import { describe, expect, it } from 'vitest';
import { parseTime, parseWindow, windowError } from './time.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const H = 3_600_000;
const D = 24 * H;

describe('parseTime', () => {
  it.each([
    ['2026-11-20', Date.parse('2026-11-20T00:00:00Z')],
    ['2026-11-20T10:00:00Z', Date.parse('2026-11-20T10:00:00Z')],
    ['2026-11-20T10:00:00.250Z', Date.parse('2026-11-20T10:00:00.250Z')],
    ['2026-11-20T10:00:00+02:00', Date.parse('2026-11-20T08:00:00Z')],
    ['1763640000000', 1763640000000],
    [1763640000000, 1763640000000],
    ['now', NOW],
    [' now ', NOW],
    ['now-1h', NOW - H],
    ['now-7d', NOW - 7 * D],
    ['now-1h30m', NOW - 1.5 * H],
    ['now-2w', NOW - 14 * D],
    ['now+2h', NOW + 2 * H],
  ])('reads %j', (text, ms) => expect(parseTime(text, NOW)).toEqual({ ok: true, ms }));

  it.each([
    ['yesterday', 'not a time: "yesterday"'],
    ['2026-13-45T00:00:00Z', 'not a time: "2026-13-45T00:00:00Z"'],
    ['now-', 'not a time: "now-"'],
    ['now-1y', 'the offset needs a unit'],
    ['now-3600', 'the offset needs a unit'],
    ['1764151200', 'epoch times are in milliseconds'],
    ['12', 'outside 2000–2100'],
    ['', 'not a time: ""'],
    [null, 'not a time: null'],
    [Number.NaN, 'not a time'],
  ])('refuses %j, naming the value and the syntax', (text, message) => {
    const r = parseTime(text, NOW, '--from');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.startsWith('--from: ')).toBe(true);
    expect(r.error).toContain(message);
    expect(r.error).toContain('now-7d');
  });
});

describe('parseWindow', () => {
  it.each([
    [{ from: 'now-1h' }, {}, { fromMs: NOW - H, toMs: NOW }],
    [{ from: 'now-1h', to: '' }, {}, { fromMs: NOW - H, toMs: NOW }],
    [{ from: 'now-2h', to: 'now-1h' }, {}, { fromMs: NOW - 2 * H, toMs: NOW - H }],
    [{}, { defaultSpanMs: 7 * D }, { fromMs: NOW - 7 * D, toMs: NOW }],
    [{ to: '2026-11-20' }, { defaultSpanMs: D }, { fromMs: Date.parse('2026-11-19T00:00:00Z'), toMs: Date.parse('2026-11-20T00:00:00Z') }],
  ])('reads %j (%j) with to defaulting to now', (raw, opts, want) => expect(parseWindow(raw, NOW, opts)).toEqual({ ok: true, ...want }));

  it.each([
    [{}, {}, 'from is required'],
    [{ to: 'soon' }, {}, 'from is required'],
    [{ from: 'soon', to: 'later' }, {}, 'from: not a time: "soon"'],
    [{ from: 'now-1h', to: 'later' }, {}, 'to: not a time: "later"'],
    [{ from: 'now', to: 'now-1h' }, {}, 'from must be before to: from is 2026-11-26T12:00:00.000Z, to is 2026-11-26T11:00:00.000Z'],
    [{ from: 'now', to: 'now' }, {}, 'from must be before to'],
    [{ from: 'now' }, { names: ['reference_from', 'reference_to'] }, 'reference_from must be before reference_to'],
  ])('refuses %j (%j): %s', (raw, opts, message) => {
    const r = parseWindow(raw, NOW, opts as never);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});

describe('windowError', () => {
  it('accepts a window whose start is before its end and refuses an empty or reversed one', () => {
    expect(windowError(1, 2)).toBeNull();
    expect(windowError(2, 2)).toContain('from must be before to');
    expect(windowError(3, 2, ['startsAt', 'endsAt'])).toContain('startsAt must be before endsAt');
  });
});

describe('parseTime with a JSON number', () => {
  it('takes a finite non-negative number as epoch milliseconds, as typed APIs send them, and refuses others', () => {
    expect(parseTime(60_000, NOW)).toEqual({ ok: true, ms: 60_000 });
    expect(parseTime(-1, NOW).ok).toBe(false);
    expect(parseTime(Number.POSITIVE_INFINITY, NOW).ok).toBe(false);
  });
});
