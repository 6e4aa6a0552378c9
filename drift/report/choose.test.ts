import { describe, expect, it } from 'vitest';
import { defaultMethod, methodsFor, parseMethods } from './choose.js';

describe('the default method rule (Evidently)', () => {
  it.each([
    ['numerical', 1000, 'ks'],
    ['numerical', 1001, 'wasserstein'],
    ['categorical', 1000, 'chi2'],
    ['categorical', 1001, 'js'],
  ] as const)('picks for a %s feature with %i reference values: %s', (type, n, method) => {
    expect(defaultMethod(type, n, { smallSampleMax: 1000 })).toBe(method);
  });

  it('puts the feature override or the default where auto stands, once', () => {
    expect(methodsFor(['auto', 'psi'], undefined, 'ks')).toEqual(['ks', 'psi']);
    expect(methodsFor(['auto', 'psi'], 'js', 'ks')).toEqual(['js', 'psi']);
    expect(methodsFor(['psi', 'auto'], 'psi', 'ks')).toEqual(['psi']);
  });

  it('parses a method list and names an unknown method', () => {
    expect(parseMethods(' KS, psi ,ks')).toEqual(['ks', 'psi']);
    expect(() => parseMethods('ks,t-test')).toThrow('unknown method "t-test"; use ks, wasserstein, psi, js, chi2, auto');
  });
});
