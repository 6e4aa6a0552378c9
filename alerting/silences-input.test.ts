// Hostile silence requests (found by test/fuzz): each is a 400 naming the field, never a crash of the handler.
import { describe, expect, it } from 'vitest';
import { SilenceError, Silences } from './silences.js';

const NOW = Date.UTC(2026, 0, 1);
const valid = { matchers: ['alertname="GpuIdle"'], endsAt: NOW + 3_600_000, createdBy: 'me', comment: 'maintenance' };

function refusal(input: Record<string, unknown>): SilenceError {
  try {
    new Silences(() => {}).create(input, NOW);
  } catch (e) {
    if (e instanceof SilenceError) return e;
    throw e;
  }
  throw new Error('the silence was accepted');
}

const deep = (depth: number) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

describe('a silence request with hostile values', () => {
  it('refuses a matcher nested past the stack depth with a 400 naming matchers', () => {
    const e = refusal({ ...valid, matchers: [deep(100_000)] });
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/^matchers: matcher must be a string/);
    expect(e.message.length).toBeLessThan(300);
  });

  it('refuses a start time nested past the stack depth with a 400 naming startsAt', () => {
    const e = refusal({ ...valid, startsAt: { a: deep(100_000) } });
    expect([e.status, e.message]).toEqual([400, expect.stringMatching(/^startsAt: not a time/)]);
  });

  it('refuses an end time beyond what a date can hold (1e308) instead of storing a silence it cannot show', () => {
    const e = refusal({ ...valid, endsAt: 1e308 });
    expect([e.status, e.message]).toEqual([400, expect.stringMatching(/^endsAt: not a time: 1e\+308/)]);
  });

  it('still takes the latest time a date can hold', () => {
    const s = new Silences(() => {}).create({ ...valid, endsAt: 8.64e15 }, NOW);
    expect(new Date(s.endsAtMs).toISOString()).toBe('+275760-09-13T00:00:00.000Z');
  });
});
