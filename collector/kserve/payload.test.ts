import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../core/schemas/validate.js';
import { parseInferenceBody } from '../../core/schemas/kserve.js';
import { joinPredictions, type Half } from './join.js';

const half = (data: unknown, extra: Partial<Half> = {}): Half => ({ id: 'r-1', model: 'm', component: 'predictor', namespace: 'ns', endpoint: 'default', tsMs: 1_764_151_200_000, data: JSON.stringify(data), ...extra });

describe('KServe bodies into predictions', () => {
  it('answers a batch short of outputs with status error for the instances left without one', () => {
    const { outcome, predictions } = joinPredictions(half({ instances: [[1], [2], [3]] }), half({ predictions: ['a', 'b'] }), {});
    expect(outcome).toBe('joined');
    expect(predictions.map((p) => [p.prediction_id, p.prediction, p.status])).toEqual([['r-1#0', 'a', 'ok'], ['r-1#1', 'b', 'ok'], ['r-1#2', null, 'error']]);
  });

  it('makes a response alone into predictions without features, at the response time', () => {
    const { outcome, predictions } = joinPredictions(undefined, half({ outputs: [{ name: 'out', shape: [1, 3], datatype: 'FP32', data: [0.1, 0.7, 0.2] }] }, { tsMs: 1_764_151_200_500 }), {});
    expect(outcome).toBe('response_only');
    expect(predictions).toEqual([expect.objectContaining({ prediction_id: 'r-1', features: {}, prediction: 1, score: 0.7, timestamp: 1_764_151_200_500, status: 'ok' })]);
  });

  it('reads a v1 object output and a latency the payload carries, and never takes ce-time as latency', () => {
    const { predictions } = joinPredictions(half({ instances: [{ x: 1 }] }), half({ predictions: [{ label: 'fraud', probability: 0.93 }], latency_ms: 12.5 }), {});
    expect(predictions[0]).toMatchObject({ prediction: 'fraud', score: 0.93, latency_ms: 12.5, features: { x: 1 } });
    const plain = joinPredictions(half({ instances: [{ x: 1 }] }), half({ predictions: [1] }, { tsMs: 1_764_151_209_999 }), {});
    expect(plain.predictions[0]!.latency_ms).toBeNull();
  });

  it('leaves image tensors out of the features and prefixes the columns of one of several matrices with its name', () => {
    const req = { inputs: [
      { name: 'image', shape: [1, 2, 2], datatype: 'UINT8', data: [1, 2, 3, 4] },
      { name: 'emb', shape: [1, 2], datatype: 'FP32', data: [0.5, 0.25] },
      { name: 'flag', shape: [1], datatype: 'BOOL', data: [1] },
    ] };
    const { predictions } = joinPredictions(half(req), half({ outputs: [{ name: 'y', shape: [1], datatype: 'FP32', data: [3] }] }), {});
    expect(predictions[0]!.features).toEqual({ 'emb.f0': 0.5, 'emb.f1': 0.25, flag: true });
  });

  it('maps ce-endpoint through the configured versions, else keeps it', () => {
    const versions = { m: { canary: 'v4' } };
    expect(joinPredictions(half({ instances: [1] }, { endpoint: 'canary' }), undefined, versions).predictions[0]!.model_version).toBe('v4');
    expect(joinPredictions(half({ instances: [1] }, { endpoint: 'default' }), undefined, versions).predictions[0]!.model_version).toBe('default');
  });

  it('names the problem of a body that is neither protocol or breaks its tensor shape', () => {
    expect(parseInferenceBody('response', '{"instances":[1]}')).toEqual({ ok: false, error: 'a response body needs "predictions" (v1 protocol) or "outputs" (v2 / Open Inference Protocol)' });
    expect(parseInferenceBody('request', '[1]')).toEqual({ ok: false, error: 'body must be a JSON object' });
    const r = parseInferenceBody('request', '{"inputs":[{"name":"x","shape":[2],"datatype":"FP99","data":[1,2]}]}');
    expect(r.ok).toBe(false);
    expect((r as { error: string }).error).toMatch(/^inputs\.0\.datatype: /);
  });

  it('decodes a half written to Kafka by an outside producer as the sink does, and refuses a bad body there too', () => {
    const event = { id: 'k-1', half: 'request', model: 'm', timestamp: '2026-04-10T00:23:26.0789529Z', data: '{"instances":[[1,2]]}' };
    const ok = decodeEvent('kserve_event', Buffer.from(JSON.stringify(event)));
    expect(ok).toMatchObject({ ok: true, event: { id: 'k-1', timestamp: Date.UTC(2026, 3, 10, 0, 23, 26, 78), component: '' } });
    expect(decodeEvent('kserve_event', Buffer.from(JSON.stringify({ ...event, data: '{"predictions":[1]}' })))).toMatchObject({ ok: false, reason: 'schema_violation', error: expect.stringMatching(/^data: a request body needs "instances"/) });
  });
});
