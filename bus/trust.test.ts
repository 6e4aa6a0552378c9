import { describe, expect, it } from 'vitest';
import { ProducerTrust, TRUSTED_SCHEMA_VERSION } from './trust.js';

const KEY = 'k'.repeat(32);
const value = Buffer.from('{"model":"m","prediction_id":"p","timestamp":1}');

describe('ProducerTrust', () => {
  it('verifies a header it signed for the same kind and value', () => {
    const t = new ProducerTrust(KEY);
    const header = t.sign('prediction', value);
    expect(header.startsWith(`${TRUSTED_SCHEMA_VERSION}.`)).toBe(true);
    expect(t.verify('prediction', value, header)).toBe(true);
    expect(t.verify('prediction', value, Buffer.from(header))).toBe(true);
  });

  it('refuses a header whose value was altered, whose kind differs, or that another key signed', () => {
    const t = new ProducerTrust(KEY);
    const header = t.sign('prediction', value);
    expect(t.verify('prediction', Buffer.from(value.toString().replace('"p"', '"q"')), header)).toBe(false);
    expect(t.verify('label', value, header)).toBe(false);
    expect(new ProducerTrust('x'.repeat(32)).verify('prediction', value, header)).toBe(false);
  });

  it('refuses a stale header signed for another schema version with the same key', () => {
    const old = new ProducerTrust(KEY, TRUSTED_SCHEMA_VERSION - 1 || 99);
    expect(new ProducerTrust(KEY).verify('prediction', value, old.sign('prediction', value))).toBe(false);
  });

  it('refuses missing, truncated and garbage headers without throwing', () => {
    const t = new ProducerTrust(KEY);
    const header = t.sign('prediction', value);
    for (const bad of [undefined, '', '.', `${TRUSTED_SCHEMA_VERSION}.`, header.slice(0, -4), `${TRUSTED_SCHEMA_VERSION}.!!!not base64`, 'x'.repeat(5000)]) {
      expect(t.verify('prediction', value, bad)).toBe(false);
    }
  });

  it('refuses a key shorter than 32 characters at construction', () => {
    expect(() => new ProducerTrust('short')).toThrow(/at least 32 characters/);
  });
});
