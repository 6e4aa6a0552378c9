// Retry behaviour with a real SDK (issue 11): the OpenTelemetry JS SDK's OTLP/protobuf trace exporter
// meets a full bus, gets 503 with Retry-After, retries as the OTLP spec says, and every span ends up
// stored exactly once. A recording proxy between the SDK and the stack shows what the SDK was answered.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider as TracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { eventually, testStack, waitUntil } from '../helpers/stack.js';

/** What an exporter reports per export; code 0 is ExportResultCode.SUCCESS (@opentelemetry/core). */
interface ExportResult { code: number; error?: Error }
const SUCCESS = 0;

interface Answer { status: number; retryAfter: string | null }

/** Forwards every request to `target` and keeps the status and Retry-After of each answer. */
async function recordingProxy(target: string): Promise<{ url: string; answers: Answer[]; close: () => Promise<void> }> {
  const answers: Answer[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const headers: Record<string, string> = {};
      for (const h of ['content-type', 'content-encoding', 'authorization']) if (req.headers[h]) headers[h] = String(req.headers[h]);
      const upstream = await fetch(target + req.url, { method: req.method, headers, body: Buffer.concat(chunks) });
      const body = Buffer.from(await upstream.arrayBuffer());
      const retryAfter = upstream.headers.get('retry-after');
      answers.push({ status: upstream.status, retryAfter });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream', ...(retryAfter ? { 'retry-after': retryAfter } : {}) });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    answers,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** The SDK exporter, keeping the final result of every export (after its own retries). */
function recording(exporter: SpanExporter): SpanExporter & { results: ExportResult[] } {
  const results: ExportResult[] = [];
  return {
    results,
    export: (spans: ReadableSpan[], done: (r: ExportResult) => void) => exporter.export(spans, (r) => { results.push(r); done(r); }),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

const BUFFER = 8; // bus.maxBufferedMessages: per topic, so a few exports fill it
const BATCH = 4; // spans per export request
const SPANS = 40;

let stack: Awaited<ReturnType<typeof testStack>>;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
beforeAll(async () => {
  stack = await testStack({ bus: { maxBufferedMessages: BUFFER } });
  proxy = await recordingProxy(stack.url);
});
afterAll(async () => {
  await proxy?.close();
  await stack?.stop();
});

describe('an OTLP SDK meeting a full bus', () => {
  it('is answered 503 with Retry-After, retries, and every span is stored exactly once', async () => {
    // The predictions sink is held back: each GenAI span's prediction waits on the bus, which fills
    // after two requests. A request refused then has already published its spans (otel_traces is
    // published first), so the SDK's retry sends spans the stack has seen: they must collapse.
    const predictionSink = stack.sinks.find((s) => s.opts.kind === 'prediction')!;
    await predictionSink.stop();

    const exporter = recording(new OTLPTraceExporter({ url: `${proxy.url}/v1/traces`, timeoutMillis: 60_000 }));
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'retry-test' }),
      spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: BATCH, maxQueueSize: 1000, scheduledDelayMillis: 10, exportTimeoutMillis: 90_000 })],
    });
    const tracer = provider.getTracer('retry-test');
    for (let i = 0; i < SPANS; i++) {
      const span = tracer.startSpan(`chat retry-llm ${i}`, {
        attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'retry-llm', 'gen_ai.usage.input_tokens': i, 'gen_ai.usage.output_tokens': 1 },
      });
      span.setStatus({ code: SpanStatusCode.OK });
      span.end();
    }
    const flushed = provider.forceFlush();

    // The SDK is being refused: only then does storage catch up.
    const refused = await eventually(() => proxy.answers.filter((a) => a.status === 503), (r) => r.length > 0, { timeoutMs: 30_000, what: 'a 503 answer to the SDK' });
    expect(refused[0]!.retryAfter).toBe('1');
    await predictionSink.start();

    await flushed;
    await waitUntil(() => exporter.results.length === SPANS / BATCH, { timeoutMs: 60_000, what: 'every export finished' });
    expect(exporter.results.map((r) => r.code)).toEqual(Array(SPANS / BATCH).fill(SUCCESS));
    // Retried: more requests reached the stack than the SDK had batches, and the last answers were 200.
    expect(proxy.answers.length).toBeGreaterThan(SPANS / BATCH);
    expect(proxy.answers.filter((a) => a.status === 200)).toHaveLength(SPANS / BATCH);
    expect(proxy.answers.every((a) => a.status === 200 || (a.status === 503 && a.retryAfter === '1'))).toBe(true);
    await provider.shutdown();

    await stack.drain();
    const [traces] = await stack.sql("SELECT count() AS n, uniqExact(TraceId, SpanId) AS ids FROM otel_traces FINAL WHERE ServiceName = 'retry-test'");
    expect({ n: Number(traces!.n), ids: Number(traces!.ids) }).toEqual({ n: SPANS, ids: SPANS });
    const [predictions] = await stack.sql("SELECT count() AS n, uniqExact(prediction_id) AS ids, sum(num_features['gen_ai.usage.input_tokens']) AS tokens FROM predictions FINAL WHERE model = 'retry-llm'");
    expect({ n: Number(predictions!.n), ids: Number(predictions!.ids), tokens: Number(predictions!.tokens) }).toEqual({ n: SPANS, ids: SPANS, tokens: (SPANS * (SPANS - 1)) / 2 });
    const [raw] = await stack.sql("SELECT count() AS n FROM otel_traces WHERE ServiceName = 'retry-test'");
    console.log(`retry: ${proxy.answers.length} requests for ${SPANS / BATCH} batches, ${refused.length}+ answered 503; otel_traces rows before FINAL: ${raw!.n}`);
  });
});
