import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { BasicTracerProvider as TracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { encodeRequest } from '../../collector/otlp/decode.js';
import { eventually, testStack } from '../helpers/stack.js';

// The OpenTelemetry JS SDK's own OTLP/HTTP exporters (protobuf and JSON) against a running stack.
let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  s = await testStack();
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

/** Spans recorded by the SDK (resource and scope included), ready to hand to an exporter. */
async function record(make: (tracer: ReturnType<TracerProvider['getTracer']>) => void): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'chat-api', 'deployment.environment': 'test', 'host.cores': 8 }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  make(provider.getTracer('mlobs-test-scope', '1.2.3'));
  await provider.forceFlush();
  return memory.getFinishedSpans();
}

type Exporter = ProtoExporter | JsonExporter;
function send(exporter: Exporter, spans: ReadableSpan[]): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(spans, (r) => resolve(r)));
}

const rows = (traceId: string) => s.sql(`SELECT * FROM otel_traces FINAL WHERE TraceId = {t:String} ORDER BY SpanName`, { t: traceId });

describe.each([
  ['protobuf', () => new ProtoExporter({ url: `${s.url}/v1/traces` })],
  ['JSON', () => new JsonExporter({ url: `${s.url}/v1/traces` })],
])('the JS SDK exporter over OTLP/%s', (encoding, makeExporter) => {
  it('stores every field of a span in otel_traces, each attribute type encoded as the exporter does', async () => {
    const linked = (await record((t) => t.startSpan('linked').end()))[0]!;
    const spans = await record((t) => {
      const parent = t.startSpan('parent');
      const child = t.startSpan(
        'child',
        {
          kind: SpanKind.SERVER,
          links: [{ context: linked.spanContext(), attributes: { 'link.why': 'retry-of' } }],
          attributes: { 'a.string': 'héllo <b>', 'a.bool': true, 'a.int': 42, 'a.double': 2.5, 'a.strings': ['x', 'y'], 'a.ints': [1, 2] },
        },
        trace.setSpan(ROOT_CONTEXT, parent),
      );
      child.addEvent('cache.miss', { 'cache.key': 'k1', 'cache.size': 3 });
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timed out' });
      child.end();
      parent.end();
    });
    const child = spans.find((x) => x.name === 'child')!;
    // The API takes primitives and arrays only; the exporters also encode maps and bytes (kvlist, bytes), as other SDKs send them.
    Object.assign(child.attributes as Attributes, { 'a.kvlist': { b: 'x', a: 1 }, 'a.bytes': new Uint8Array([0, 1, 254, 255]) } as unknown as Attributes);
    const exporter = makeExporter();
    expect((await send(exporter, spans)).code).toBe(0);
    await exporter.shutdown();
    const traceId = child.spanContext().traceId;
    const got = await eventually(() => rows(traceId), (r) => r.length === 2, { what: 'both spans stored' });
    const [c, p] = got;
    expect(p.SpanName).toBe('parent');
    expect(p.ParentSpanId).toBe('');
    expect(c).toMatchObject({
      TraceId: traceId,
      SpanId: child.spanContext().spanId,
      ParentSpanId: p.SpanId,
      SpanKind: 'SPAN_KIND_SERVER',
      ServiceName: 'chat-api',
      ScopeName: 'mlobs-test-scope',
      ScopeVersion: '1.2.3',
      StatusCode: 'STATUS_CODE_ERROR',
      StatusMessage: 'upstream timed out',
      'Events.Name': ['cache.miss'],
      'Events.Attributes': [{ 'cache.key': 'k1', 'cache.size': '3' }],
      'Links.TraceId': [linked.spanContext().traceId],
      'Links.SpanId': [linked.spanContext().spanId],
      'Links.Attributes': [{ 'link.why': 'retry-of' }],
    });
    expect(c.SpanAttributes).toEqual({
      'a.string': 'héllo <b>',
      'a.bool': 'true',
      'a.int': '42',
      'a.double': '2.5',
      'a.strings': '["x","y"]',
      'a.ints': '[1,2]',
      'a.kvlist': '{"a":1,"b":"x"}',
      'a.bytes': 'AAH+/w==',
    });
    expect(c.ResourceAttributes).toMatchObject({ 'service.name': 'chat-api', 'deployment.environment': 'test', 'host.cores': '8' });
    // Nanosecond start and duration, as the SDK measured them.
    const startNs = BigInt(child.startTime[0]) * 1_000_000_000n + BigInt(child.startTime[1]);
    const durationNs = BigInt(child.duration[0]) * 1_000_000_000n + BigInt(child.duration[1]);
    expect(BigInt(c.Duration)).toBe(durationNs);
    const [sec, frac] = String(c.Timestamp).split('.');
    expect(BigInt(Date.parse(sec!.replace(' ', 'T') + 'Z') / 1000) * 1_000_000_000n + BigInt(frac!)).toBe(startNs);
    expect(encoding).toMatch(/protobuf|JSON/);
  }, 60_000);

  it('turns a GenAI span into a prediction with its tokens and time to first token, and stores a resent span once', async () => {
    const spans = await record((t) => {
      const span = t.startSpan(`chat llama-${encoding}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': `llama-${encoding}`,
          'gen_ai.response.model': 'llama-3.1-8b-instruct',
          'gen_ai.usage.input_tokens': 120,
          'gen_ai.usage.output_tokens': 48,
          'gen_ai.latency.time_to_first_token': 0.125,
          'gen_ai.response.finish_reasons': ['stop'],
        },
      });
      span.end();
    });
    const exporter = makeExporter();
    // A retrying SDK resends the same spans: they are stored once.
    expect((await send(exporter, spans)).code).toBe(0);
    expect((await send(exporter, spans)).code).toBe(0);
    await exporter.shutdown();
    await s.drain();
    const { traceId, spanId } = spans[0]!.spanContext();
    const span = spans[0]!;
    const p = await eventually(() => s.sql(`SELECT * FROM predictions FINAL WHERE model = {m:String}`, { m: `llama-${encoding}` }), (r) => r.length > 0, { what: 'the prediction stored' });
    expect(p).toHaveLength(1);
    const durationMs = (span.duration[0] * 1e9 + span.duration[1]) / 1e6;
    expect(p[0]).toMatchObject({
      model_version: 'llama-3.1-8b-instruct',
      prediction_id: `${traceId}-${spanId}`,
      num_features: { 'gen_ai.usage.input_tokens': 120, 'gen_ai.usage.output_tokens': 48 },
      prediction_cat: 'stop',
      ttft_ms: 125,
      status: 'ok',
    });
    expect(p[0]!.latency_ms).toBeCloseTo(durationMs, 6);
    const [{ n }] = await s.sql<{ n: string }>(`SELECT count() AS n FROM otel_traces FINAL WHERE TraceId = {t:String}`, { t: traceId });
    expect(Number(n)).toBe(1);
  }, 60_000);
});

describe('bad OTLP input', () => {
  const post = (body: Buffer | string, contentType: string, extra: Record<string, string> = {}) =>
    fetch(`${s.url}/v1/traces`, { method: 'POST', headers: { 'content-type': contentType, ...extra }, body: body as BodyInit });
  const ids = (t: number, sp: number) => ({ traceId: Buffer.alloc(16, t), spanId: Buffer.alloc(8, sp) });
  const startNs = () => (BigInt(Date.now()) * 1_000_000n).toString();

  it('answers 400 to a truncated protobuf and keeps it as a dead letter', async () => {
    const full = encodeRequest('traces', { resourceSpans: [{ scopeSpans: [{ spans: [{ ...ids(7, 7), name: 'truncated-span', startTimeUnixNano: startNs() }] }] }] });
    const res = await post(full.subarray(0, full.length - 5), 'application/x-protobuf');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/x-protobuf/);
    const dl = await eventually(() => s.sql(`SELECT kind, reason, error, payload FROM dead_letters WHERE source = 'otlp:traces' AND reason = 'bad_otlp' AND payload LIKE 'base64:%'`), (r) => r.length > 0, { what: 'the dead letter stored' });
    expect(dl[0]).toMatchObject({ kind: 'otel_span', error: expect.stringMatching(/not a valid protobuf ExportTraceServiceRequest/) });
    expect(Buffer.from(String(dl[0]!.payload).slice('base64:'.length), 'base64')).toEqual(full.subarray(0, full.length - 5));
  });

  it('rejects a span without a trace id in partial_success and stores the others', async () => {
    const body = JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ spans: [
        { traceId: '', spanId: '0909090909090909', name: 'no-trace-id', startTimeUnixNano: startNs(), endTimeUnixNano: startNs() },
        { traceId: '0a'.repeat(16), spanId: '0b'.repeat(8), name: 'has-ids', kind: 2, startTimeUnixNano: startNs(), endTimeUnixNano: startNs() },
      ] }] }],
    });
    const res = await post(body, 'application/json');
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { partialSuccess?: { rejectedSpans: string; errorMessage: string } };
    expect(answer.partialSuccess).toEqual({ rejectedSpans: '1', errorMessage: expect.stringMatching(/1 spans have no valid trace_id/) });
    await eventually(() => rows('0a'.repeat(16)), (r) => r.length === 1, { what: 'the valid span stored' });
    await s.drain();
    const [{ n }] = await s.sql<{ n: string }>(`SELECT count() AS n FROM otel_traces WHERE SpanName = 'no-trace-id'`);
    expect(Number(n)).toBe(0);
  });

  it('refuses a gzip body that inflates past the cap (a 100 MiB bomb) with 413', async () => {
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const res = await post(bomb, 'application/x-protobuf', { 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
  }, 60_000);

  it('answers 400, not 500, to OTLP/JSON whose bytes value is not base64 text, and keeps it as a dead letter', async () => {
    // Found by the fuzz suite: protobufjs accepts an array of arrays for a bytes field.
    const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${'0c'.repeat(16)}","spanId":"${'0d'.repeat(8)}","name":"bad-bytes","startTimeUnixNano":"${startNs()}","attributes":[{"key":"b","value":{"bytesValue":[[1]]}}]}]}]}]}`;
    const res = await post(body, 'application/json');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 3, message: expect.stringMatching(/request could not be converted/) });
    await eventually(() => s.sql(`SELECT count() AS n FROM dead_letters WHERE source = 'otlp:traces' AND payload LIKE '%"name":"bad-bytes"%'`), (r) => Number(r[0]!.n) === 1, { what: 'the request kept as a dead letter' });
  });

  it('answers 415 to a content type that is not an OTLP encoding', async () => {
    const res = await post('x', 'text/plain');
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ message: expect.stringMatching(/not an OTLP encoding/) });
  });
});
