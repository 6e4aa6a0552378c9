import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace, TraceFlags, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as MetricsJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as LogsJson } from '@opentelemetry/exporter-logs-otlp-http';
import { eventually, testStack } from '../helpers/stack.js';

// The OpenTelemetry JS SDK's own OTLP/HTTP metric and log exporters (protobuf and JSON) against a
// running stack: fields round-trip into the exporter's tables, a DCGM gauge becomes gpu_samples as a
// scrape would make them, and a log record named mlobs.prediction becomes a prediction.
let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  s = await testStack();
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

/** A reader the test collects from by hand, so what is exported is exactly one collection. */
class ManualReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

const ATTRS: Attributes = { 'a.string': 'héllo', 'a.bool': true, 'a.int': 7, 'a.double': 1.5, 'a.strings': ['x', 'y'] };
const GPU = { gpu: '0', UUID: 'GPU-otlp-sdk-0001', pci_bus_id: '00000000:18:00.0', device: 'nvidia0', modelName: 'NVIDIA H100 80GB HBM3', Hostname: 'gpu-node-sdk', namespace: 'team-llm', pod: 'vllm-0', container: 'server', DCGM_FI_DRIVER_VERSION: '550.54.15' };

type Exporter<T> = { export(items: T, cb: (r: { code: number; error?: Error }) => void): void; shutdown(): Promise<void> };
function send<T>(exporter: Exporter<T>, items: T): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(items, (r) => resolve(r)));
}

async function collectMetrics(service: string, gpuUuid: string): Promise<ResourceMetrics> {
  const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service, 'k8s.pod.name': 'vllm-0', 'host.name': 'not-the-gpu-host' }), readers: [reader] });
  const meter = provider.getMeter('mlobs-test-meter', '2.0.1');
  meter.createGauge('vllm:num_requests_running', { description: 'Requests running', unit: '{request}' }).record(3, ATTRS);
  meter.createCounter('vllm:prompt_tokens', { description: 'Prompt tokens', unit: '{token}' }).add(120, { model_name: 'llama' });
  meter.createUpDownCounter('vllm:queue_depth').add(-2, { model_name: 'llama' });
  const h = meter.createHistogram('vllm:e2e_request_latency_seconds', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5, 1] } });
  for (const v of [0.05, 0.3, 0.4, 2]) h.record(v, { model_name: 'llama' });
  meter.createGauge('DCGM_FI_DEV_GPU_UTIL').record(97, { ...GPU, UUID: gpuUuid });
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return resourceMetrics;
}

async function recordLogs(service: string, emit: (logger: ReturnType<LoggerProvider['getLogger']>) => void): Promise<ReadableLogRecord[]> {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': service }), processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  emit(provider.getLogger('mlobs-test-logger', '0.9.0'));
  await provider.forceFlush();
  return memory.getFinishedLogRecords();
}

describe.each([
  ['protobuf', (p: string) => new MetricsProto({ url: `${s.url}/v1/metrics` }), (p: string) => new LogsProto({ url: `${s.url}/v1/logs` })],
  ['JSON', (p: string) => new MetricsJson({ url: `${s.url}/v1/metrics` }), (p: string) => new LogsJson({ url: `${s.url}/v1/logs` })],
])('the JS SDK exporters over OTLP/%s', (encoding, metricsExporter, logsExporter) => {
  const service = `sdk-${encoding.toLowerCase()}`;
  const gpuUuid = `GPU-otlp-sdk-${encoding}`;

  it('store gauge, sum and histogram points with every field in the otel_metrics tables', async () => {
    const collected = await collectMetrics(service, `${gpuUuid}-first`);
    const exporter = metricsExporter(service);
    expect((await send(exporter, collected)).code).toBe(0);
    await exporter.shutdown();
    const q = (table: string) => s.sql(`SELECT * FROM ${table} FINAL WHERE ServiceName = {s:String} ORDER BY MetricName`, { s: service });
    const gauges = await eventually(() => q('otel_metrics_gauge'), (r) => r.length === 1, { what: 'the gauge point stored' });
    expect(gauges[0]).toMatchObject({
      ResourceAttributes: { 'service.name': service, 'k8s.pod.name': 'vllm-0', 'host.name': 'not-the-gpu-host' },
      ScopeName: 'mlobs-test-meter',
      ScopeVersion: '2.0.1',
      MetricName: 'vllm:num_requests_running',
      MetricDescription: 'Requests running',
      MetricUnit: '{request}',
      Attributes: { 'a.string': 'héllo', 'a.bool': 'true', 'a.int': '7', 'a.double': '1.5', 'a.strings': '["x","y"]' },
      Value: 3,
    });
    const sums = await eventually(() => q('otel_metrics_sum'), (r) => r.length === 2, { what: 'both sum points stored' });
    expect(sums.map((r) => [r.MetricName, r.Value, r.AggregationTemporality, r.IsMonotonic, r.Attributes])).toEqual([
      ['vllm:prompt_tokens', 120, 2, true, { model_name: 'llama' }],
      ['vllm:queue_depth', -2, 2, false, { model_name: 'llama' }],
    ]);
    const hist = await eventually(() => q('otel_metrics_histogram'), (r) => r.length === 1, { what: 'the histogram point stored' });
    expect(hist[0]).toMatchObject({ MetricName: 'vllm:e2e_request_latency_seconds', MetricUnit: 's', Count: 4, Sum: 2.75, BucketCounts: [1, 2, 0, 1], ExplicitBounds: [0.1, 0.5, 1], Min: 0.05, Max: 2, AggregationTemporality: 2 });
    // Times: the SDK's own start and end of the collection, to the nanosecond.
    const point = collected.scopeMetrics[0]!.metrics.find((m) => m.descriptor.name === 'vllm:num_requests_running')!.dataPoints[0]!;
    const ns = (t: [number, number]) => `${t[0]}.${String(t[1]).padStart(9, '0')}`;
    const times = await s.sql(`SELECT toString(toUnixTimestamp64Nano(TimeUnix)) t FROM otel_metrics_gauge FINAL WHERE ServiceName = {s:String}`, { s: service });
    expect(times[0]!.t).toBe(ns(point.endTime as [number, number]).replace('.', ''));
    // No DCGM series in the OpenTelemetry tables: it went to gpu_samples.
    expect(await s.sql(`SELECT count() c FROM otel_metrics_gauge WHERE MetricName LIKE 'DCGM%'`)).toEqual([{ c: 0 }]);
  });

  it('turn a DCGM gauge into the gpu_samples row a scrape of the same series would store', async () => {
    const collected = await collectMetrics(`${service}-dcgm`, gpuUuid);
    const point = collected.scopeMetrics[0]!.metrics.find((m) => m.descriptor.name === 'DCGM_FI_DEV_GPU_UTIL')!.dataPoints[0]!;
    const [sec, nanos] = point.endTime as [number, number];
    const ms = sec * 1000 + Math.floor(nanos / 1e6);
    const exporter = metricsExporter(service);
    expect((await send(exporter, collected)).code).toBe(0);
    await exporter.shutdown();
    // The same series as dcgm-exporter would expose it, pushed (stored exactly as a scrape of it).
    const labels = Object.entries({ ...GPU, UUID: `${gpuUuid}-scraped` }).map(([k, v]) => `${k}="${v}"`).join(',');
    expect((await s.post('/v1/gpu/metrics', `# TYPE DCGM_FI_DEV_GPU_UTIL gauge\nDCGM_FI_DEV_GPU_UTIL{${labels}} 97 ${ms}\n`, { 'content-type': 'text/plain' })).status).toBe(202);
    const cols = `toUnixTimestamp64Milli(ts) t, metric, metric_type, value, hostname, gpu, pci_bus_id, device, model_name, gpu_i_profile, gpu_i_id, namespace, pod, container, labels`;
    const viaOtlp = await eventually(() => s.sql(`SELECT ${cols}, source FROM gpu_samples FINAL WHERE uuid = {u:String}`, { u: gpuUuid }), (r) => r.length >= 1, { what: 'the DCGM point stored as a GPU sample' });
    const scraped = await eventually(() => s.sql(`SELECT ${cols} FROM gpu_samples FINAL WHERE uuid = {u:String}`, { u: `${gpuUuid}-scraped` }), (r) => r.length === 1, { what: 'the pushed sample stored' });
    expect(viaOtlp).toHaveLength(1);
    const { source, ...row } = viaOtlp[0]!;
    expect(row).toEqual(scraped[0]);
    expect(row).toMatchObject({ t: ms, value: 97, hostname: 'gpu-node-sdk', pod: 'vllm-0', namespace: 'team-llm', labels: { DCGM_FI_DRIVER_VERSION: '550.54.15' } });
    expect(source).toBe('otlp');
  });

  it('store every log record field in otel_logs, and make mlobs.prediction records predictions', async () => {
    const traceId = encoding === 'JSON' ? '4bf92f3577b34da6a3ce929d0e0e4736' : '5bf92f3577b34da6a3ce929d0e0e4736';
    const spanId = '00f067aa0ba902b7';
    // Inside the otel retention (30 days), with milliseconds to check they survive.
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000 + 678);
    const records = await recordLogs(service, (logger) => {
      logger.emit({
        context: trace.setSpanContext(context.active(), { traceId, spanId, traceFlags: TraceFlags.SAMPLED }),
        timestamp: at,
        severityNumber: 17,
        severityText: 'ERROR',
        body: 'model server overloaded',
        attributes: ATTRS,
      });
      logger.emit({
        eventName: 'mlobs.prediction',
        body: { model: 'llm-chat', prediction_id: `otlp-log-${encoding}-1`, features: { 'gen_ai.usage.input_tokens': 42, country: 'DE' }, prediction: 'stop', latency_ms: 812.5 },
      });
      logger.emit({
        attributes: { 'event.name': 'mlobs.prediction' },
        body: JSON.stringify({ model: 'llm-chat', prediction_id: `otlp-log-${encoding}-2`, timestamp: Date.now() - 1000, prediction: 0.7 }),
      });
    });
    const exporter = logsExporter(service);
    expect((await send(exporter, records)).code).toBe(0);
    await exporter.shutdown();
    const logs = await eventually(
      () => s.sql(`SELECT * FROM otel_logs FINAL WHERE ServiceName = {s:String} ORDER BY Timestamp`, { s: service }),
      (r) => r.length === 3,
      { what: 'all three log records stored' },
    );
    const error = logs.find((r) => r.SeverityText === 'ERROR')!;
    expect(error).toMatchObject({
      TraceId: traceId,
      SpanId: spanId,
      TraceFlags: 1,
      SeverityNumber: 17,
      Body: 'model server overloaded',
      ResourceAttributes: { 'service.name': service },
      ScopeName: 'mlobs-test-logger',
      ScopeVersion: '0.9.0',
      LogAttributes: { 'a.string': 'héllo', 'a.bool': 'true', 'a.int': '7', 'a.double': '1.5', 'a.strings': '["x","y"]' },
      EventName: '',
    });
    expect(error.Timestamp).toBe(at.toISOString().replace('T', ' ').replace('Z', '000000'));
    expect(logs.map((r) => r.EventName).sort()).toEqual(['', '', 'mlobs.prediction']);
    const preds = await eventually(
      () => s.sql(`SELECT prediction_id, model, prediction_cat, prediction_num, num_features, cat_features, latency_ms FROM predictions FINAL WHERE model = 'llm-chat' AND prediction_id LIKE {p:String} ORDER BY prediction_id`, { p: `otlp-log-${encoding}-%` }),
      (r) => r.length === 2,
      { what: 'both mlobs.prediction records stored as predictions' },
    );
    expect(preds).toEqual([
      { prediction_id: `otlp-log-${encoding}-1`, model: 'llm-chat', prediction_cat: 'stop', prediction_num: null, num_features: { 'gen_ai.usage.input_tokens': 42 }, cat_features: { country: 'DE' }, latency_ms: 812.5 },
      { prediction_id: `otlp-log-${encoding}-2`, model: 'llm-chat', prediction_cat: null, prediction_num: 0.7, num_features: {}, cat_features: {}, latency_ms: null },
    ]);
  });
});

describe('an mlobs.prediction log record that is not a valid prediction', () => {
  it('is rejected in partial_success, kept as a dead letter with its reason, and its log record still stored', async () => {
    const now = String(BigInt(Date.now()) * 1_000_000n);
    const kv = (key: string, v: unknown) => ({ key, value: typeof v === 'number' ? { doubleValue: v } : { stringValue: String(v) } });
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [kv('service.name', 'bad-events')] },
          scopeLogs: [
            {
              logRecords: [
                { timeUnixNano: now, eventName: 'mlobs.prediction', body: { kvlistValue: { values: [kv('prediction_id', 'no-model'), kv('prediction', 1)] } } },
                { timeUnixNano: now, eventName: 'mlobs.label', body: { stringValue: 'not json' } },
              ],
            },
          ],
        },
      ],
    };
    const res = await s.post('/v1/logs', body);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } };
    expect(answer.partialSuccess.rejectedLogRecords).toBe('2');
    expect(answer.partialSuccess.errorMessage).toMatch(/prediction.*model/);
    expect(answer.partialSuccess.errorMessage).toMatch(/mlobs\.label log record: body is a string but not JSON/);
    const dead = await eventually(
      () => s.sql(`SELECT kind, reason FROM dead_letters FINAL WHERE source = 'otlp:logs' AND kind IN ('prediction', 'label') ORDER BY kind`),
      (r) => r.length === 2,
      { what: 'both refused records dead-lettered' },
    );
    expect(dead).toEqual([
      { kind: 'label', reason: 'bad_event_body' },
      { kind: 'prediction', reason: 'schema_violation' },
    ]);
    await eventually(() => s.sql(`SELECT count() c FROM otel_logs FINAL WHERE ServiceName = 'bad-events'`), (r) => r[0]!.c === 2, { what: 'both log records stored' });
  });
});
