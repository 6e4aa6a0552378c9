// The token comparison must not tell an attacker the token's length: every presented token, of any
// length, goes through one constant-time comparison of two equal-length digests.
import { describe, expect, it, vi } from 'vitest';
import type { NextFunction, Request, Response } from 'express';

// Records what timingSafeEqual is asked to compare, and passes the call on.
const compared: [number, number][] = [];
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return {
    ...real,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.push([a.byteLength, b.byteLength]);
      return real.timingSafeEqual(a, b);
    },
  };
});
const { bearerAuth, tokenMatches } = await import('./auth.js');

const TOKEN = 'correct-horse-battery-staple';

/** Runs the middleware on a request with these headers; true when it let the request through. */
function passes(headers: Record<string, string>): boolean {
  let through = false;
  const res = { setHeader: () => res, status: () => res, json: () => res } as unknown as Response;
  bearerAuth(TOKEN)({ headers } as Request, res, (() => (through = true)) as NextFunction);
  return through;
}

describe('tokenMatches', () => {
  it('accepts the token and refuses others of the same length, other lengths and none', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches('correct-horse-battery-stapl3', TOKEN)).toBe(false);
    expect(tokenMatches('short', TOKEN)).toBe(false);
    expect(tokenMatches(TOKEN + '-and-more', TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
    expect(tokenMatches(null, TOKEN)).toBe(false);
  });

  it('compares two 32-byte digests whatever the length of the presented token', () => {
    compared.length = 0;
    for (const given of ['x', 'correct-horse-battery-stapl3', TOKEN + TOKEN, '']) tokenMatches(given, TOKEN);
    expect(compared).toEqual([[32, 32], [32, 32], [32, 32], [32, 32]]);
  });
});

describe('bearerAuth', () => {
  it('takes the same comparison path for a wrong token of any length', () => {
    compared.length = 0;
    expect(passes({ authorization: 'Bearer x' })).toBe(false);
    expect(passes({ authorization: `Bearer ${'y'.repeat(TOKEN.length)}` })).toBe(false);
    expect(passes({ authorization: `Bearer ${TOKEN}-longer` })).toBe(false);
    expect(passes({ 'x-clickhouse-key': 'k' })).toBe(false);
    expect(passes({ authorization: `Bearer ${TOKEN}` })).toBe(true);
    // One comparison per request, all of equal-length inputs: nothing returns early on a length mismatch.
    expect(compared).toHaveLength(5);
    expect(new Set(compared.map(([a, b]) => `${a}/${b}`))).toEqual(new Set(['32/32']));
  });
});
