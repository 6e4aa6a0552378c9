// A second OTLP client from another ecosystem (issue 11): the OpenTelemetry Java SDK with its OTLP/HTTP
// protobuf exporters (test/otlp-java, jars from Maven Central, compiled with the system JDK) sends a
// GenAI trace, a counter, a gauge and a log record to a running stack, which stores each where the
// JS SDK's data goes: otel_traces and predictions, otel_metrics_sum and _gauge, otel_logs.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../helpers/stack.js';
import { REPO } from '../helpers/process.js';

const run = promisify(execFile);
const SCRIPT = 'test/otlp-java/otlp-java.sh';
const TOKEN = 'java-client-secret';

/** Runs the Java client; resolves with its exit code and output (a failed export is a non-zero code, not a throw). */
async function javaClient(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('bash', [SCRIPT, 'run', ...args], { cwd: REPO, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

let stack: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  // Fetches the jars (first run only) and compiles the client, as test/run.sh does before the suite.
  await run('bash', [SCRIPT, 'build'], { cwd: REPO, timeout: 110_000 });
  stack = await testStack({ server: { authToken: TOKEN } });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const sql = async <T = Record<string, any>>(query: string, params: Record<string, unknown> = {}): Promise<T[]> => {
  const res = await stack.post('/v1/sql', { query, params }, { authorization: `Bearer ${TOKEN}` });
  const body = (await res.json()) as { data: T[]; error?: string };
  if (!res.ok) throw new Error(`SQL failed: ${body.error}`);
  return body.data;
};

describe('the OpenTelemetry Java SDK sending OTLP/HTTP protobuf', () => {
  it('stores its GenAI trace with both spans and turns the chat span into a prediction', async () => {
    const out = await javaClient([stack.url, '--model', 'java-llm', '--token', TOKEN]);
    expect(out.code, out.stderr).toBe(0);
    const sent = JSON.parse(out.stdout.trim().split('\n').pop()!) as { traceId: string; spanId: string; childSpanId: string; exports: Record<string, number> };
    expect(sent.exports).toEqual({ traces: 1, metrics: 1, logs: 1 });
    await stack.drain();

    const spans = await sql(
      `SELECT SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ScopeName, ScopeVersion, Duration, StatusCode,
              SpanAttributes, ResourceAttributes['telemetry.sdk.language'] AS sdk
       FROM otel_traces FINAL WHERE TraceId = {t:String} ORDER BY Timestamp`,
      { t: sent.traceId },
    );
    expect(spans.map((s) => [s.SpanId, s.ParentSpanId, s.SpanName])).toEqual([
      [sent.spanId, '', 'chat java-llm'],
      [sent.childSpanId, sent.spanId, 'tokenize'],
    ]);
    const chat = spans[0]!;
    expect(chat).toMatchObject({ ServiceName: 'otlp-java-client', ScopeName: 'mlobs-test-java-client', ScopeVersion: '1.0.0', sdk: 'java' });
    expect(chat.SpanKind).toMatch(/client/i);
    expect(chat.StatusCode).toMatch(/ok/i);
    expect(Number(chat.Duration)).toBe(250_000_000);
    expect(chat.SpanAttributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'java-llm',
      'gen_ai.response.model': 'java-llm-2026-01',
      'gen_ai.usage.input_tokens': '42',
      'gen_ai.usage.output_tokens': '17',
      'gen_ai.response.finish_reasons': '["stop"]',
    });

    const predictions = await sql(
      `SELECT model, model_version, prediction_cat AS prediction, latency_ms, status,
              num_features['gen_ai.usage.input_tokens'] AS input_tokens, num_features['gen_ai.usage.output_tokens'] AS output_tokens
       FROM predictions FINAL WHERE prediction_id = {id:String}`,
      { id: `${sent.traceId}-${sent.spanId}` },
    );
    expect(predictions).toEqual([{ model: 'java-llm', model_version: 'java-llm-2026-01', prediction: 'stop', latency_ms: 250, status: 'ok', input_tokens: 42, output_tokens: 17 }]);
    // Only the GenAI span is an inference: the child span is no prediction.
    const [all] = await sql("SELECT count() AS n FROM predictions FINAL WHERE model = 'java-llm'");
    expect(Number(all!.n)).toBe(1);
  });

  it('stores its counter and gauge in the metric tables and its log record, tied to the trace, in otel_logs', async () => {
    const out = await javaClient([stack.url, '--model', 'java-llm-2', '--token', TOKEN]);
    expect(out.code, out.stderr).toBe(0);
    const sent = JSON.parse(out.stdout.trim().split('\n').pop()!) as { traceId: string; spanId: string };
    await stack.drain();
    const labelled = "Attributes['model'] = 'java-llm-2' AND ServiceName = 'otlp-java-client'";
    // A cumulative monotonic sum (the Java SDK's default temporality for counters).
    const sums = await sql(`SELECT MetricName, MetricUnit, Value, IsMonotonic, AggregationTemporality, ScopeName FROM otel_metrics_sum FINAL WHERE ${labelled}`);
    expect(sums).toEqual([{ MetricName: 'java_client.requests', MetricUnit: '{request}', Value: 3, IsMonotonic: true, AggregationTemporality: 2, ScopeName: 'mlobs-test-java-client' }]);
    const gauges = await sql(`SELECT MetricName, MetricDescription, Value FROM otel_metrics_gauge FINAL WHERE ${labelled}`);
    expect(gauges).toEqual([{ MetricName: 'java_client.queue_depth', MetricDescription: 'requests waiting', Value: 7.5 }]);
    const logs = await sql(
      `SELECT Body, SeverityText, SeverityNumber, TraceId, SpanId, LogAttributes['gen_ai.request.model'] AS model, ResourceAttributes['service.name'] AS service
       FROM otel_logs FINAL WHERE TraceId = {t:String}`,
      { t: sent.traceId },
    );
    expect(logs).toEqual([{ Body: 'chat completion finished for java-llm-2', SeverityText: 'INFO', SeverityNumber: 9, TraceId: sent.traceId, SpanId: sent.spanId, model: 'java-llm-2', service: 'otlp-java-client' }]);
  });

  it('exits non-zero when the receiver refuses the export', async () => {
    // No token: every signal is answered 401, which the SDK does not retry.
    const out = await javaClient([stack.url, '--model', 'java-refused']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/export failed: traces: .*metrics: .*logs: /);
    const [n] = await sql("SELECT count() AS n FROM predictions FINAL WHERE model = 'java-refused'");
    expect(Number(n!.n)).toBe(0);
  });
});
