import { describe, expect, it } from 'vitest';
import { MlobsError } from '../../core/errors.js';
import { validateConfig } from '../../core/config.js';
import { decodeExport, encodeRequest, encodeResponse } from './decode.js';
import { valueAsString } from './attributes.js';

const span = { traceId: Buffer.alloc(16, 0xab), spanId: Buffer.alloc(8, 0xcd), name: 's', startTimeUnixNano: '1764151200123456789', attributes: [{ key: 'big', value: { intValue: '9007199254740993' } }] };
const request = { resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] };

describe('decodeExport', () => {
  it('decodes a protobuf request keeping every digit of 64-bit times and ints, ids as bytes', () => {
    const got = decodeExport('traces', encodeRequest('traces', request), 'application/x-protobuf');
    const s = got.resourceSpans[0].scopeSpans[0].spans[0];
    expect(s.startTimeUnixNano).toBe('1764151200123456789');
    expect(s.attributes[0].value).toMatchObject({ value: 'intValue', intValue: '9007199254740993' });
    expect(Buffer.from(s.traceId).toString('hex')).toBe('ab'.repeat(16));
  });

  it('reads OTLP/JSON ids as hex and int64 given as strings or numbers', () => {
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'AB'.repeat(16), spanId: 'cd'.repeat(8), kind: 2, startTimeUnixNano: 1764151200000, endTimeUnixNano: '1764151200000000001' }] }] }] });
    const s = decodeExport('traces', Buffer.from(body), 'application/json; charset=utf-8').resourceSpans[0].scopeSpans[0].spans[0];
    expect(Buffer.from(s.traceId).toString('hex')).toBe('ab'.repeat(16));
    expect(s.kind).toBe(2);
    expect(s.startTimeUnixNano).toBe('1764151200000');
    expect(s.endTimeUnixNano).toBe('1764151200000000001');
  });

  it('refuses a truncated protobuf, a non-hex JSON id and invalid JSON with a bad_otlp error naming the problem', () => {
    const full = encodeRequest('traces', request);
    const reason = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return `${(e as MlobsError).reason}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(reason(() => decodeExport('traces', full.subarray(0, full.length - 4), 'application/x-protobuf'))).toMatch(/^bad_otlp: body is not a valid protobuf ExportTraceServiceRequest/);
    expect(reason(() => decodeExport('traces', Buffer.from('{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}'), 'application/json'))).toMatch(/^bad_otlp: .*traceId must be a hex string/);
    expect(reason(() => decodeExport('logs', Buffer.from('{"resourceLogs":'), 'application/json'))).toMatch(/^bad_otlp: body is not valid OTLP\/JSON/);
    expect(reason(() => decodeExport('metrics', Buffer.from('x'), 'text/plain'))).toMatch(/^unsupported_media_type: /);
  });
});

describe('encodeResponse', () => {
  it('writes partial_success with the signal\'s rejected field in both encodings, and nothing when all was accepted', () => {
    expect(JSON.parse(encodeResponse('metrics', 'json', { rejected: 3, errorMessage: 'why' }).body.toString())).toEqual({ partialSuccess: { rejectedDataPoints: '3', errorMessage: 'why' } });
    expect(JSON.parse(encodeResponse('logs', 'json').body.toString())).toEqual({});
    // field 1 (partial_success) { field 1 varint 2, field 2 "x" }
    expect(encodeResponse('traces', 'protobuf', { rejected: 2, errorMessage: 'x' }).body.toString('hex')).toBe('0a050802120178');
    expect(encodeResponse('traces', 'protobuf').body.length).toBe(0);
  });
});

describe('attribute values', () => {
  it('are written as the ClickHouse exporter writes them', () => {
    expect(valueAsString({ value: 'doubleValue', doubleValue: 1e21 })).toBe('1e+21');
    expect(valueAsString({ value: 'intValue', intValue: '-9223372036854775808' })).toBe('-9223372036854775808');
    expect(valueAsString({ value: 'kvlistValue', kvlistValue: { values: [{ key: 'z', value: { value: 'stringValue', stringValue: '<&>' } }, { key: 'a', value: { value: 'bytesValue', bytesValue: Buffer.from([255]) } }] } })).toBe('{"a":"/w==","z":"\\u003c\\u0026\\u003e"}');
    expect(valueAsString({ value: 'arrayValue', arrayValue: { values: [{ value: 'doubleValue', doubleValue: NaN }, { value: 'boolValue', boolValue: false }, {}] } })).toBe('[null,false,null]');
    expect(valueAsString({})).toBe('');
  });
});

describe('otlp.predictions.rules', () => {
  it('refuses a rule with no condition, which would make every span a prediction', () => {
    expect(() => validateConfig({ otlp: { predictions: { rules: [{ model: 'm' }] } } })).toThrow(/otlp\.predictions\.rules\.0: a rule needs at least one of service, spanName, attributes/);
    expect(validateConfig({ otlp: { predictions: { rules: [{ spanName: 'llm_request', model: 'gen_ai.response.model' }] } } }).otlp.predictions.rules[0]!.features).toEqual([]);
  });
});
