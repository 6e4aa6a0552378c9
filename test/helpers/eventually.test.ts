import { describe, expect, it } from 'vitest';
import { eventually, waitUntil, WaitTimeoutError } from './eventually.js';

describe('eventually', () => {
  it('returns the first value that satisfies the condition', async () => {
    let n = 0;
    await expect(eventually(() => ++n, (v) => v >= 3, { intervalMs: 1 })).resolves.toBe(3);
  });

  it('throws on timeout, naming what was awaited and showing the last value', async () => {
    const err = await eventually(async () => [{ c: 0 }], (r) => r[0]!.c === 1, { timeoutMs: 30, intervalMs: 5, what: 'the kcat row' }).catch((e) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(err.message).toMatch(/^the kcat row: condition .*r\[0\]\.c === 1.* did not hold within 30 ms; last value: \[ \{ c: 0 \} \]$/);
    expect(err.last).toEqual([{ c: 0 }]);
  });

  it('takes a bare number as the timeout, as before', async () => {
    await expect(eventually(() => false, (v) => v, 20)).rejects.toThrow(/within 20 ms; last value: false/);
  });

  it('fails at once when the polled function throws', async () => {
    let calls = 0;
    await expect(eventually(() => (calls++, Promise.reject(new Error('SQL failed'))), () => true, 10_000)).rejects.toThrow('SQL failed');
    expect(calls).toBe(1);
  });
});

describe('waitUntil', () => {
  it('resolves once the condition is true and throws when it never is', async () => {
    let ready = false;
    setTimeout(() => (ready = true), 5);
    await waitUntil(() => ready, { intervalMs: 1 });
    await expect(waitUntil(async () => false, { timeoutMs: 10, what: 'lag 0' })).rejects.toThrow(/^lag 0: condition/);
  });
});
