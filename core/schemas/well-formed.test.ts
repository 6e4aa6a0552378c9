import { describe, expect, it } from 'vitest';
import { toEvent } from '../../bus/dead-letters.js';
import { validateEvent } from './validate.js';

const LONE = 'x\ud800y';
const prediction = { model: 'm', prediction_id: 'p-1', timestamp: 1764151200000, features: { a: 1 }, prediction: 'ok' };

describe('text with a lone UTF-16 surrogate', () => {
  it.each([
    ['a categorical feature value', { ...prediction, features: { country: LONE } }],
    ['the prediction', { ...prediction, prediction: LONE }],
    ['the prediction id', { ...prediction, prediction_id: LONE }],
    ['a segment value', { ...prediction, segments: { country: LONE } }],
  ])('is refused in %s, naming the problem', (_what, event) => {
    const v = validateEvent('prediction', event);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(/lone UTF-16 surrogate/);
  });

  it('is refused in a pipeline error text', () => {
    const v = validateEvent('pipeline_event', { pipeline: 'p', run_id: 'r', status: 'failed', timestamp: 1764151200000, error: LONE });
    expect(v.ok).toBe(false);
  });

  it('becomes U+FFFD in a dead letter, so the engine can store the dead letter itself', () => {
    const d = toEvent({ kind: 'prediction', source: 'http', reason: 'schema_violation', error: `features.${LONE}: bad`, payload: `{"a":"${LONE}"}`, receivedAtMs: 0 });
    expect(d.error.isWellFormed() && d.payload.isWellFormed()).toBe(true);
    expect(d.payload).toBe('{"a":"x\ufffdy"}');
  });

  it('is left alone when it is a proper pair', () => {
    expect(validateEvent('prediction', { ...prediction, features: { mood: '😀' } }).ok).toBe(true);
  });
});
