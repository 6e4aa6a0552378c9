// The sink's decode stage with kafka.trustedProducerKey: what mlobs's own ingest signed skips the
// schema; everything else, forged or stale headers included, is validated as an outside message.
import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../bus/bus.js';
import { ProducerTrust, TRUST_HEADER, TRUSTED_SCHEMA_VERSION } from '../bus/trust.js';
import { validateEvent } from '../core/schemas/validate.js';
import { decodeStage } from './stages.js';

const KEY = 'a-secret-of-the-mlobs-processes-only';
const trust = new ProducerTrust(KEY);
const T = Date.now() - 3_600_000;

function message(value: string, header?: string, offset = 0): BusMessage {
  return { topic: 'predictions', partition: 0, offset: String(offset), key: null, value: Buffer.from(value), timestampMs: T, ...(header ? { headers: { [TRUST_HEADER]: header } } : {}) };
}

// Valid JSON that the prediction schema refuses (no prediction_id): it can only be stored if the
// sink skipped validation, which makes the skip observable.
const unvalidatable = JSON.stringify({ model: 'm', timestamp: T, prediction: 1 });

describe('decodeStage with a producer trust', () => {
  it('takes a message signed by the trusted producer without validating it', () => {
    const d = decodeStage('prediction', [message(unvalidatable, trust.sign('prediction', unvalidatable))], undefined, trust);
    expect(d.rejected).toEqual([]);
    expect(d.events[0]!.event).toEqual(JSON.parse(unvalidatable));
  });

  it('validates a message with a forged header as an outside message', () => {
    const forged = new ProducerTrust('an-attacker-guessing-the-key-0000000').sign('prediction', unvalidatable);
    const d = decodeStage('prediction', [message(unvalidatable, forged)], undefined, trust);
    expect(d.events).toEqual([]);
    expect(d.rejected.map((r) => r.reason)).toEqual(['schema_violation']);
  });

  it('validates a message whose header was signed for another value (a header copied onto another message)', () => {
    const header = trust.sign('prediction', JSON.stringify({ model: 'm' }));
    const d = decodeStage('prediction', [message(unvalidatable, header)], undefined, trust);
    expect(d.rejected.map((r) => r.reason)).toEqual(['schema_violation']);
  });

  it('validates a message with a stale header (another schema version, same key)', () => {
    const stale = new ProducerTrust(KEY, TRUSTED_SCHEMA_VERSION + 1).sign('prediction', unvalidatable);
    const d = decodeStage('prediction', [message(unvalidatable, stale)], undefined, trust);
    expect(d.rejected.map((r) => r.reason)).toEqual(['schema_violation']);
  });

  it('validates signed messages when the sink has no trust configured', () => {
    const d = decodeStage('prediction', [message(unvalidatable, trust.sign('prediction', unvalidatable))], undefined, undefined);
    expect(d.rejected.map((r) => r.reason)).toEqual(['schema_violation']);
  });

  it('still validates outside messages, storing the valid and rejecting the invalid', () => {
    const good = JSON.stringify({ model: 'm', prediction_id: 'p', timestamp: T, prediction: 1 });
    const d = decodeStage('prediction', [message(good, undefined, 0), message(unvalidatable, undefined, 1)], undefined, trust);
    expect(d.events.map((e) => e.message.offset)).toEqual(['0']);
    expect(d.rejected.map((r) => [r.message.offset, r.reason])).toEqual([['1', 'schema_violation']]);
  });

  it('dead-letters a trusted message that has aged past retention, and one that is not JSON', () => {
    const old = JSON.stringify({ model: 'm', prediction_id: 'p', timestamp: T, prediction: 1 });
    const d = decodeStage('prediction', [message(old, trust.sign('prediction', old), 0), message('{"oops', trust.sign('prediction', '{"oops'), 1)], T + 1, trust);
    expect(d.rejected.map((r) => r.reason)).toEqual(['older_than_retention', 'invalid_json']);
  });

  it('the canonical form the edge signs validates to the same event, so trusting it equals validating it', () => {
    // String timestamps, defaults and mixed features: what validation transforms.
    const raw = { model: 'm', prediction_id: 'p', timestamp: new Date(T).toISOString(), features: { x: 1.5, c: 'a', b: true }, prediction: 'cat', score: 0.25 };
    const v = validateEvent('prediction', raw);
    if (!v.ok) throw new Error(v.error);
    const canonical = JSON.stringify(v.event);
    const trusted = decodeStage('prediction', [message(canonical, trust.sign('prediction', canonical))], undefined, trust).events[0]!.event;
    const revalidated = validateEvent('prediction', JSON.parse(canonical));
    expect(revalidated.ok && revalidated.event).toEqual(trusted);
    expect(trusted).toEqual(v.event);
  });
});
