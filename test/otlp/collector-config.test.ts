// The sample OpenTelemetry Collector config (deploy/otel-collector/config.yaml, shown in the README)
// is checked against the Collector's own configuration shape: the top-level sections, component ids
// `type[/name]` of types the contrib distribution has, pipelines of known signals whose every
// receiver, processor and exporter is defined, and the otlphttp exporter's endpoint and bearer header.
// Then the exporter's endpoint and header, as the Collector would send them, are used against a real
// stack with a token: a span posted that way is stored.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { eventually, testStack } from '../helpers/stack.js';

const FILE = fileURLToPath(new URL('../../deploy/otel-collector/config.yaml', import.meta.url));
const SECTIONS = ['receivers', 'processors', 'exporters', 'extensions', 'connectors', 'service'] as const;
const KINDS = ['receivers', 'processors', 'exporters'] as const;
const SIGNALS = ['traces', 'metrics', 'logs'];
// Component types of otelcol-contrib this file may use (a typo in a type is a start error there).
const TYPES: Record<(typeof KINDS)[number], string[]> = {
  receivers: ['otlp', 'prometheus', 'hostmetrics', 'filelog', 'k8s_cluster', 'kubeletstats'],
  processors: ['batch', 'memory_limiter', 'resource', 'resourcedetection', 'k8sattributes', 'attributes', 'filter', 'transform'],
  exporters: ['otlp', 'otlphttp', 'debug', 'clickhouse', 'prometheusremotewrite'],
};
// otlphttp exporter settings (confighttp.ClientConfig, queue and retry settings, per-signal endpoints, encoding).
const OTLPHTTP_KEYS = new Set([
  'endpoint', 'traces_endpoint', 'metrics_endpoint', 'logs_endpoint', 'headers', 'compression', 'encoding', 'timeout', 'tls', 'auth', 'proxy_url',
  'read_buffer_size', 'write_buffer_size', 'max_idle_conns', 'max_idle_conns_per_host', 'max_conns_per_host', 'idle_conn_timeout', 'retry_on_failure', 'sending_queue',
]);

type Doc = Record<string, any>;
const isMap = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every way `doc` departs from the Collector's configuration shape, as messages naming the key. */
function collectorConfigProblems(doc: unknown): string[] {
  if (!isMap(doc)) return ['the document is not a map'];
  const out: string[] = [];
  for (const k of Object.keys(doc)) if (!(SECTIONS as readonly string[]).includes(k)) out.push(`unknown top-level key ${k}`);
  for (const kind of KINDS) {
    if (doc[kind] !== undefined && !isMap(doc[kind])) out.push(`${kind} must be a map`);
    for (const id of Object.keys(doc[kind] ?? {})) {
      const m = /^([a-z][a-z0-9_]*)(?:\/(.+))?$/.exec(id);
      if (!m) out.push(`${kind}.${id}: a component id is type[/name]`);
      else if (!TYPES[kind].includes(m[1]!)) out.push(`${kind}.${id}: unknown ${kind.slice(0, -1)} type ${m[1]}`);
    }
  }
  const pipelines = doc.service?.pipelines;
  if (!isMap(pipelines) || Object.keys(pipelines).length === 0) return [...out, 'service.pipelines: none defined'];
  for (const [id, p] of Object.entries(pipelines)) {
    if (!SIGNALS.includes(id.split('/')[0]!)) out.push(`service.pipelines.${id}: a pipeline id is traces|metrics|logs[/name]`);
    if (!isMap(p)) {
      out.push(`service.pipelines.${id} must be a map`);
      continue;
    }
    for (const k of Object.keys(p)) if (!KINDS.includes(k as never)) out.push(`service.pipelines.${id}: unknown key ${k}`);
    for (const kind of ['receivers', 'exporters'] as const) if (!Array.isArray(p[kind]) || p[kind].length === 0) out.push(`service.pipelines.${id}.${kind}: at least one is needed`);
    for (const kind of KINDS) for (const ref of (p[kind] ?? []) as string[]) if (!isMap(doc[kind]) || !(ref in doc[kind])) out.push(`service.pipelines.${id}.${kind}: ${ref} is not defined under ${kind}`);
  }
  return out;
}

const doc = parse(readFileSync(FILE, 'utf8')) as Doc;
const exporter = doc.exporters?.['otlphttp/mlobs'] as Doc;
/** The Collector expands `${env:NAME}` in values; so does this, from the given environment. */
const expand = (v: string, env: Record<string, string>) => v.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, n: string) => env[n] ?? '');

describe('the sample OpenTelemetry Collector config', () => {
  it('has the Collector\'s shape, every component a pipeline names being defined', () => {
    expect(collectorConfigProblems(doc)).toEqual([]);
    expect(Object.keys(doc.service.pipelines).sort()).toEqual(['logs', 'metrics', 'traces']);
    for (const p of Object.values(doc.service.pipelines) as Doc[]) expect(p.exporters).toContain('otlphttp/mlobs');
  });

  it('sends to mlobs with an otlphttp exporter carrying the endpoint and the bearer token header', () => {
    expect(Object.keys(exporter).filter((k) => !OTLPHTTP_KEYS.has(k))).toEqual([]);
    expect(exporter.endpoint).toMatch(/^https?:\/\/[^/]+(:\d+)?$/);
    expect(exporter.headers.Authorization).toBe('Bearer ${env:MLOBS_AUTH_TOKEN}');
    expect(exporter.encoding).toBe('proto');
  });

  it('scrapes dcgm-exporter with a prometheus receiver in the metrics pipeline', () => {
    const scrape = doc.receivers['prometheus/dcgm'].config.scrape_configs as Doc[];
    expect(scrape[0]!.static_configs[0].targets).toEqual(['dcgm-exporter:9400']);
    expect(doc.service.pipelines.metrics.receivers).toContain('prometheus/dcgm');
  });

  it('finds the faults the Collector would refuse to start with', () => {
    const broken = parse(readFileSync(FILE, 'utf8')) as Doc;
    broken.service.pipelines.traces.exporters = ['otlphttp/elsewhere'];
    broken.service.pipelines['spans'] = { receivers: ['otlp'], exporters: ['otlphttp/mlobs'] };
    broken.processors['bacth'] = {};
    delete broken.service.pipelines.logs.receivers;
    expect(collectorConfigProblems(broken)).toEqual([
      'processors.bacth: unknown processor type bacth',
      'service.pipelines.traces.exporters: otlphttp/elsewhere is not defined under exporters',
      'service.pipelines.logs.receivers: at least one is needed',
      'service.pipelines.spans: a pipeline id is traces|metrics|logs[/name]',
    ]);
  });
});

describe('the exporter settings against a stack with a token', () => {
  const TOKEN = 'collector-sample-secret';
  let s: Awaited<ReturnType<typeof testStack>>;
  beforeAll(async () => {
    s = await testStack({ server: { authToken: TOKEN } });
  });
  afterAll(async () => s?.stop());

  it('stores a span sent to the endpoint\'s /v1/traces with the configured header', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'via-collector' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
    provider.getTracer('t').startSpan('collector-sample').end();
    const spans = memory.getFinishedSpans();
    // The Collector posts to <endpoint>/v1/traces; here the endpoint is the test stack's URL.
    const headers = Object.fromEntries(Object.entries(exporter.headers as Record<string, string>).map(([k, v]) => [k, expand(v, { MLOBS_AUTH_TOKEN: TOKEN })]));
    const send = new OTLPTraceExporter({ url: `${s.url}/v1/traces`, headers });
    const result = await new Promise<{ code: number }>((resolve) => send.export(spans, resolve));
    await send.shutdown();
    expect(result.code).toBe(0);
    const traceId = spans[0]!.spanContext().traceId;
    const auth = { authorization: `Bearer ${TOKEN}` };
    await eventually(
      async () => ((await (await s.post('/v1/sql', { query: 'SELECT count() AS n FROM otel_traces WHERE TraceId = {t:String}', params: { t: traceId } }, auth)).json()) as { data: { n: string | number }[] }).data[0]?.n,
      (n) => Number(n) === 1,
      { what: 'the span sent with the sample config\'s header stored' },
    );
    // Without the header the stack refuses the same request.
    const refused = await fetch(`${s.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(401);
  });
});
