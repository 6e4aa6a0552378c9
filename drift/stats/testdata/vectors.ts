/// <reference types="node" />
/** Typed access to vectors.json (written by generate.py) and the comparison helpers the tests share. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { sample, type SampleSpec } from './prng.js';

/** One side of a case: an explicit sample or the parameters to regenerate it (prng.ts). */
export type Side = number[] | SampleSpec;

/** An explicit side as is, a generator spec regenerated bit-identically to generate.py. */
export function materialise(side: Side): ArrayLike<number> {
  return Array.isArray(side) ? side : sample(side);
}

export const vectors: any = JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8'));

/** Asserts |actual − expected| <= atol + rtol·|expected|, with a message naming the case. */
export function expectClose(actual: number, expected: number, rtol: number, atol = 0, what = ''): void {
  expect(Number.isFinite(actual), `${what}: got ${actual}`).toBe(true);
  const err = Math.abs(actual - expected);
  const tol = atol + rtol * Math.abs(expected);
  expect(err <= tol, `${what}: got ${actual}, expected ${expected} (err ${err.toExponential(2)} > tol ${tol.toExponential(2)})`).toBe(true);
}

/** Unwraps a StatResult in a test, failing with its reason when it is not ok. */
export function unwrap<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  if (!r.ok) expect.fail(`expected ok, got ${JSON.stringify(r)}`);
  return r as Extract<T, { ok: true }>;
}
