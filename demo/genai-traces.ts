// Realistic OpenTelemetry GenAI traffic as an OTLP ExportTraceServiceRequest: what an LLM gateway
// instrumented per the GenAI semantic conventions sends (a `chat` CLIENT span with the request and
// response model, token usage, time to first token, finish reasons, and a child span), in batches
// like the SDK's BatchSpanProcessor. Used to seed dashboards, by bench:otlp and by tests.
import { rng } from './traffic.js';

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean } | { arrayValue: { values: AnyValue[] } };
const s = (v: string): AnyValue => ({ stringValue: v });
const i = (v: number): AnyValue => ({ intValue: String(Math.round(v)) });
const d = (v: number): AnyValue => ({ doubleValue: v });
const kv = (o: Record<string, AnyValue>) => Object.entries(o).map(([key, value]) => ({ key, value }));

export interface GenAiTrafficOptions {
  /** Requests (traces) to make; each is a chat span and a child span. */
  count: number;
  startMs: number;
  spacingMs: number;
  seed: number;
  model: string;
  service?: string;
  /** Every nth request fails (span status error, `error.type`); 0 = none. */
  errorEvery?: number;
  /** OTLP/JSON writes ids as hex; protobufjs `fromObject` (for protobuf) wants bytes. */
  ids?: 'hex' | 'bytes';
  /** Requests per ResourceSpans batch (the SDK's BatchSpanProcessor exports up to 512 spans). */
  batch?: number;
}

/** The requests' token counts and timings, to compute expected figures from. */
export interface GenAiRequest {
  traceId: string;
  spanId: string;
  startMs: number;
  durationMs: number;
  ttftMs: number;
  inputTokens: number;
  outputTokens: number;
  error: boolean;
}

const hex = (r: () => number, bytes: number) => Array.from({ length: bytes }, () => Math.floor(r() * 256).toString(16).padStart(2, '0')).join('');
const ns = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

/** OTLP trace export requests (one per batch) for `count` GenAI requests, and the requests themselves. */
export function genAiTraces(o: GenAiTrafficOptions): { requests: Record<string, unknown>[]; sent: GenAiRequest[] } {
  const r = rng(o.seed);
  const id = (h: string) => (o.ids === 'bytes' ? Buffer.from(h, 'hex') : h);
  const service = o.service ?? 'chat-gateway';
  const resource = {
    attributes: kv({
      'service.name': s(service),
      'service.version': s('1.4.2'),
      'host.name': s('gw-7f9c'),
      'k8s.namespace.name': s('team-chat'),
      'telemetry.sdk.language': s('nodejs'),
      'telemetry.sdk.name': s('opentelemetry'),
      'telemetry.sdk.version': s('2.12.0'),
    }),
  };
  const sent: GenAiRequest[] = [];
  const spans: Record<string, unknown>[][] = [];
  const batch = o.batch ?? 256;
  for (let n = 0; n < o.count; n++) {
    const traceId = hex(r, 16);
    const spanId = hex(r, 8);
    const childId = hex(r, 8);
    const inputTokens = 40 + Math.floor(r() * 900);
    const outputTokens = 10 + Math.floor(r() * 400);
    const ttftMs = 40 + r() * 160 + inputTokens * 0.05;
    const durationMs = ttftMs + outputTokens * (8 + r() * 6);
    const startMs = o.startMs + n * o.spacingMs;
    const error = !!o.errorEvery && n % o.errorEvery === o.errorEvery - 1;
    sent.push({ traceId, spanId, startMs, durationMs, ttftMs, inputTokens, outputTokens, error });
    const chat = {
      traceId: id(traceId),
      spanId: id(spanId),
      name: `chat ${o.model}`,
      kind: 3,
      startTimeUnixNano: ns(startMs),
      endTimeUnixNano: ns(startMs + durationMs),
      attributes: kv({
        'gen_ai.operation.name': s('chat'),
        'gen_ai.system': s('vllm'),
        'gen_ai.request.model': s(o.model),
        'gen_ai.response.model': s(`${o.model}-2026-10`),
        'gen_ai.request.max_tokens': i(1024),
        'gen_ai.request.temperature': d(0.7),
        'gen_ai.response.id': s(`cmpl-${spanId}`),
        'gen_ai.usage.input_tokens': i(inputTokens),
        'gen_ai.usage.output_tokens': i(outputTokens),
        'gen_ai.latency.time_to_first_token': d(ttftMs / 1000),
        'gen_ai.response.finish_reasons': { arrayValue: { values: [s(error ? 'error' : r() < 0.9 ? 'stop' : 'length')] } },
        'server.address': s('vllm.team-chat.svc'),
        'server.port': i(8000),
        ...(error ? { 'error.type': s('timeout') } : {}),
      }),
      events: [{ timeUnixNano: ns(startMs + ttftMs), name: 'gen_ai.content.first_token', attributes: [] }],
      status: error ? { code: 2, message: 'upstream timed out' } : { code: 1 },
    };
    const child = {
      traceId: id(traceId),
      spanId: id(childId),
      parentSpanId: id(spanId),
      name: 'tokenize',
      kind: 1,
      startTimeUnixNano: ns(startMs + 0.2),
      endTimeUnixNano: ns(startMs + 1.5),
      attributes: kv({ 'tokenizer.name': s('llama3') }),
      status: {},
    };
    if (n % batch === 0) spans.push([]);
    spans[spans.length - 1]!.push(child, chat);
  }
  const requests = spans.map((b) => ({ resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'mlobs-demo-genai', version: '0.1.0' }, spans: b }] }] }));
  return { requests, sent };
}
