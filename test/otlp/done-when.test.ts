// Issue 11's "Done when": GenAI traces sent by the OpenTelemetry JS SDK (BatchSpanProcessor and its
// OTLP/HTTP protobuf exporter, as an instrumented LLM gateway runs it) show up
//   - in GET /v1/slo, as a ttft SLO and a latency SLO over that model;
//   - in GET /v1/drift/report, on their token features;
//   - in GET /v1/cost?by=model, as costPer1kTokens, the serving pod's GPU samples pushed to
//     /v1/gpu/metrics and mapped to the model by the cost config.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { eventually, testStack } from '../helpers/stack.js';

const MODEL = 'llama-chat';
const POD = 'llama-chat-7d9f8-x2k4p';
const GPU_MODEL = 'NVIDIA H100 80GB HBM3';
const MIN = 60_000;
const HOUR = 60 * MIN;
// Two whole hours that ended at least an hour ago: the first is the drift reference, the second the current window.
const T0 = Math.floor((Date.now() - 3 * HOUR) / MIN) * MIN;
const PER_HOUR = 30;

/** Request k of hour h (0: reference, 1: current): prompts grow tenfold in the second hour; every 5th is slow to its first token. */
function request(h: number, k: number) {
  return {
    startMs: T0 + h * HOUR + k * 2 * MIN + 30_000,
    inputTokens: (h === 0 ? 100 : 900) + k,
    outputTokens: 50,
    ttftS: k % 5 === 0 ? 0.5 : 0.12,
    durationMs: k % 4 === 0 ? 2500 : 800,
  };
}
const REQUESTS = [0, 1].flatMap((h) => Array.from({ length: PER_HOUR }, (_, k) => request(h, k)));

let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  s = await testStack({
    cost: { prices: [{ gpuModel: GPU_MODEL, perHour: 3.6 }], models: [{ model: MODEL, deployment: MODEL }] },
    alerting: {
      slos: [
        { name: 'llama-ttft', sli: { type: 'ttft', model: MODEL, thresholdMs: 300 }, objective: 0.9 },
        { name: 'llama-latency', sli: { type: 'latency', model: MODEL, thresholdMs: 1000 }, objective: 0.9 },
      ],
    },
  });

  // The SDK as an application runs it: spans queued by the batch processor, exported as protobuf.
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'chat-gateway', 'k8s.pod.name': 'gateway-0' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${s.url}/v1/traces` }), { maxExportBatchSize: 32, scheduledDelayMillis: 10 })],
  });
  const tracer = provider.getTracer('llm-gateway', '1.0.0');
  for (const r of REQUESTS) {
    const span = tracer.startSpan(`chat ${MODEL}`, {
      kind: SpanKind.CLIENT,
      startTime: r.startMs,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.system': 'vllm',
        'gen_ai.request.model': MODEL,
        'gen_ai.response.model': `${MODEL}-2026-10`,
        'gen_ai.usage.input_tokens': r.inputTokens,
        'gen_ai.usage.output_tokens': r.outputTokens,
        'gen_ai.latency.time_to_first_token': r.ttftS,
        'gen_ai.response.finish_reasons': ['stop'],
      },
    });
    span.setStatus({ code: SpanStatusCode.OK });
    span.end(r.startMs + r.durationMs);
  }
  await provider.forceFlush();
  await provider.shutdown();

  // The serving pod's GPU, one sample a minute over both hours (dcgm-exporter's exposition with timestamps).
  const labels = `gpu="0",UUID="GPU-llm-0001",modelName="${GPU_MODEL}",Hostname="gpu-node-c1",namespace="team-chat",pod="${POD}",container="vllm"`;
  const lines = ['# TYPE DCGM_FI_DEV_GPU_UTIL gauge', ...Array.from({ length: 120 }, (_, m) => `DCGM_FI_DEV_GPU_UTIL{${labels}} 80 ${T0 + m * MIN}`)];
  const res = await s.post('/v1/gpu/metrics', lines.join('\n') + '\n', { 'content-type': 'text/plain' });
  expect(res.status, await res.clone().text()).toBe(202);
  await s.drain();
}, 120_000);
afterAll(async () => s?.stop());

const getJson = async (path: string) => {
  const res = await fetch(`${s.url}${path}`);
  const body = (await res.json()) as any;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
};
const iso = (ms: number) => new Date(ms).toISOString();

describe('a GenAI trace sent by the JS SDK', () => {
  it('shows up in GET /v1/slo: a ttft SLO and a latency SLO over its model', async () => {
    // The evaluator runs every second; wait until it has seen every request.
    const body = await eventually(
      () => getJson('/v1/slo'),
      (b) => b.slos.every((x: any) => x.periodTotal === REQUESTS.length),
      { what: 'both SLOs evaluated over the 60 stored requests', timeoutMs: 30_000 },
    );
    const bySlo = Object.fromEntries(body.slos.map((x: any) => [x.slo, x]));
    // 12 of 60 requests (every 5th) took 500 ms to the first token, above 300 ms.
    expect(bySlo['llama-ttft']).toMatchObject({ sli: { type: 'ttft', model: MODEL, thresholdMs: 300 }, periodTotal: 60 });
    expect(bySlo['llama-ttft'].periodErrorRatio).toBeCloseTo(12 / 60, 10);
    // 16 of 60 (every 4th) lasted 2.5 s, above 1 s.
    expect(bySlo['llama-latency'].periodErrorRatio).toBeCloseTo(16 / 60, 10);
  });

  it('shows up in GET /v1/drift/report on its token features: the grown prompts drift, the constant completions do not', async () => {
    const r = await getJson(`/v1/drift/report?model=${MODEL}&from=${iso(T0 + HOUR)}&to=${iso(T0 + 2 * HOUR)}&reference_from=${iso(T0)}&reference_to=${iso(T0 + HOUR)}`);
    expect(r.window.rows).toBe(PER_HOUR);
    const feature = (name: string) => r.features.find((f: any) => f.feature === name);
    expect(feature('gen_ai.usage.input_tokens')).toMatchObject({ kind: 'feature', type: 'numerical', status: 'ok', drifted: true });
    expect(feature('gen_ai.usage.input_tokens').reference).toMatchObject({ rows: PER_HOUR, values: PER_HOUR, missing: 0 });
    expect(feature('gen_ai.usage.output_tokens')).toMatchObject({ kind: 'feature', drifted: false });
  });

  it('shows up in GET /v1/cost?by=model as the GPU cost of its serving pod per 1,000 tokens, to the cent', async () => {
    const r = await getJson(`/v1/cost?by=model&from=${iso(T0)}&to=${iso(T0 + 2 * HOUR)}`);
    const g = r.groups.find((x: any) => x.group === MODEL);
    // By hand: 120 one-minute samples = 2 GPU-hours at 3.60 = 7.20; tokens: input 30 × 100 + 435 and
    // 30 × 900 + 435, output 60 × 50 = 33,870; 7.20 / 33,870 × 1,000 = 0.21258 → 0.2126.
    expect(g).toMatchObject({ gpuHours: 2, cost: 7.2, predictions: 60, tokens: 33_870, costPer1kTokens: 0.2126 });
  });
});
