import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testStack } from '../../test/helpers/stack.js';

let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  s = await testStack({ otlp: { predictions: { rules: [{ spanName: 'embed', model: 'app.model', embeddings: { prompt: 'app.prompt_embedding' } }] } } });
}, 120_000);
afterAll(async () => s?.stop());

const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');
const span = (i: number, embedding: unknown) => ({
  traceId: hex(i + 1, 32),
  spanId: hex(i + 1, 16),
  name: 'embed',
  kind: 1,
  startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
  endTimeUnixNano: String((BigInt(Date.now()) + 5n) * 1_000_000n),
  attributes: [
    { key: 'app.model', value: { stringValue: 'ranker' } },
    { key: 'app.prompt_embedding', value: embedding },
  ],
});

describe('embeddings from OTLP spans', () => {
  it('maps an array attribute named by the rule to the prediction\'s embedding, doubles and ints alike', async () => {
    const body = {
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeSpans: [{ spans: [
          span(0, { arrayValue: { values: [{ doubleValue: 0.5 }, { doubleValue: -1.25 }, { intValue: '3' }] } }),
          // Not an array of numbers: the prediction is stored without it.
          span(1, { stringValue: 'not a vector' }),
        ] }],
      }],
    };
    const res = await fetch(`${s.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status, await res.text()).toBe(200);
    const rows = await eventually(
      () => s.sql(`SELECT prediction_id, embeddings FROM predictions FINAL WHERE model = 'ranker' ORDER BY prediction_id`),
      (r) => r.length === 2,
      { what: 'both predictions stored' },
    );
    expect(rows.map((r: any) => r.embeddings)).toEqual([{ prompt: [0.5, -1.25, 3] }, {}]);
  }, 60_000);
});
