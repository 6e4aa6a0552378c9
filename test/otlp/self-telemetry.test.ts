// mlobs's own telemetry, out (issue 11): a real `mlobs up` with the standard OTEL_* variables exports
// the spans its sink opens. First to another mlobs's OTLP receiver, as the issue asks; then to a plain
// HTTP server taking OTLP/JSON (OTEL_EXPORTER_OTLP_PROTOCOL=http/json), which shows what the SDK sends
// without any decoder of ours.
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { telemetryPlan } from '../../app/telemetry.js';
import { eventually } from '../helpers/eventually.js';
import { testStack } from '../helpers/stack.js';
import { freePort, spawnMlobs, waitReady } from '../helpers/process.js';

interface JsonSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: { key: string; value: Record<string, unknown> }[] }
interface Received { path: string; contentType: string; spans: { service: unknown; span: JsonSpan }[] }

/** An OTLP/HTTP JSON receiver that keeps every span it is sent. */
async function jsonReceiver(): Promise<{ url: string; received: Received[]; spans: () => Received['spans']; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const doc = JSON.parse(body || '{}') as { resourceSpans?: { resource?: { attributes?: JsonSpan['attributes'] }; scopeSpans?: { spans?: JsonSpan[] }[] }[] };
      const spans = (doc.resourceSpans ?? []).flatMap((rs) => {
        const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
        return (rs.scopeSpans ?? []).flatMap((ss) => (ss.spans ?? []).map((span) => ({ service, span })));
      });
      received.push({ path: req.url ?? '', contentType: String(req.headers['content-type']), spans });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    spans: () => received.flatMap((r) => r.spans),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const started: { kill: (s: NodeJS.Signals) => boolean; exitCode: number | null }[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of started.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const close of closers.splice(0)) await close();
});

/** Starts `mlobs up` with these OTEL_* variables and returns it with its URL. */
async function upWith(env: Record<string, string>) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'mlobs-selftel-'));
  const child = spawnMlobs(['up', '--port', String(port), '--data-dir', dataDir], env);
  started.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/readyz`, child);
  return { child, url };
}

const predictions = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ model: 'selftel', prediction_id: `p-${i}`, timestamp: Date.now(), features: { x: i }, prediction: 'ok' }));

async function ingestAndWaitStored(url: string, n: number): Promise<void> {
  const res = await fetch(`${url}/v1/predictions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(predictions(n)) });
  expect(res.status).toBe(202);
  await eventually(
    async () => {
      const r = await fetch(`${url}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: "SELECT count() AS n FROM predictions FINAL WHERE model = 'selftel'" }) });
      return Number(((await r.json()) as { data: { n: number }[] }).data[0]?.n);
    },
    (stored) => stored === n,
    { timeoutMs: 30_000, what: 'predictions stored' },
  );
}

const exited = (child: { once: (e: 'exit', f: (code: number | null) => void) => unknown; exitCode: number | null }) =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise<number | null>((r) => child.once('exit', r));

describe('one mlobs exporting its own telemetry to another', () => {
  it("stores the first one's sink spans, as service mlobs, in the second one's otel_traces", async () => {
    const token = 'b-secret-0123456789';
    const b = await testStack({ server: { authToken: token } });
    closers.push(() => b.stop());
    // The SDK's default protocol (http/protobuf); OTEL_EXPORTER_OTLP_HEADERS carries B's token.
    const a = await upWith({ OTEL_EXPORTER_OTLP_ENDPOINT: b.url, OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${token}`, OTEL_BSP_SCHEDULE_DELAY: '100' });
    await ingestAndWaitStored(a.url, 4);
    const sql = async (query: string) => {
      const res = await b.post('/v1/sql', { query }, { authorization: `Bearer ${token}` });
      const body = (await res.json()) as { data: Record<string, string>[]; error?: string };
      if (!res.ok) throw new Error(`SQL failed: ${body.error}`);
      return body.data;
    };
    const spans = await eventually(
      () =>
        sql(`SELECT SpanName, SpanId, ParentSpanId, TraceId, ServiceName, ResourceAttributes['service.version'] AS version, SpanAttributes['mlobs.rows'] AS rows
             FROM otel_traces FINAL WHERE SpanAttributes['mlobs.kind'] = 'prediction' AND ServiceName = 'mlobs'`),
      (rows) => rows.some((r) => r.SpanName === 'mlobs.sink.insert'),
      { timeoutMs: 30_000, what: "A's mlobs.sink.insert span for predictions in B's otel_traces" },
    );
    const insert = spans.find((r) => r.SpanName === 'mlobs.sink.insert')!;
    expect(insert).toMatchObject({ ServiceName: 'mlobs', version: '0.1.0', rows: '4' });
    const consume = spans.find((r) => r.SpanId === insert.ParentSpanId);
    expect(consume).toMatchObject({ SpanName: 'mlobs.sink.consume', TraceId: insert.TraceId, ParentSpanId: '' });
  });
});

describe('mlobs exporting its own telemetry', () => {
  it('exports the sink spans, nested and named for service mlobs, once OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const receiver = await jsonReceiver();
    closers.push(receiver.close);
    const { url } = await upWith({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' });
    await ingestAndWaitStored(url, 5);
    const spans = await eventually(
      () => receiver.spans().filter((s) => s.span.name === 'mlobs.sink.insert' && s.span.attributes?.some((a) => a.key === 'mlobs.kind' && a.value.stringValue === 'prediction')),
      (found) => found.length > 0,
      { timeoutMs: 30_000, what: 'a mlobs.sink.insert span for predictions at the receiver' },
    );
    const insert = spans[0]!;
    expect(insert.service).toBe('mlobs');
    // The insert runs inside the consume span (startActiveSpan and the SDK's context manager).
    const parent = receiver.spans().find((s) => s.span.spanId === insert.span.parentSpanId);
    expect(parent?.span.name).toBe('mlobs.sink.consume');
    expect(parent?.span.traceId).toBe(insert.span.traceId);
    expect(receiver.received.every((r) => r.path === '/v1/traces' && r.contentType.startsWith('application/json'))).toBe(true);
  });

  it('flushes the spans still buffered when it stops, and honours OTEL_SERVICE_NAME', async () => {
    const receiver = await jsonReceiver();
    closers.push(receiver.close);
    // A batch delay far beyond the test: anything received was sent by the flush on shutdown.
    const { child, url } = await upWith({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      OTEL_SERVICE_NAME: 'mlobs-eu-1',
    });
    await ingestAndWaitStored(url, 3);
    expect(receiver.spans()).toEqual([]);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    const names = new Set(receiver.spans().map((s) => s.span.name));
    expect(names).toContain('mlobs.sink.consume');
    expect(names).toContain('mlobs.sink.insert');
    expect(new Set(receiver.spans().map((s) => s.service))).toEqual(new Set(['mlobs-eu-1']));
  });

  it('exports nothing under OTEL_SDK_DISABLED=true, even with an endpoint set', async () => {
    const receiver = await jsonReceiver();
    closers.push(receiver.close);
    const { child, url } = await upWith({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_SDK_DISABLED: 'true' });
    await ingestAndWaitStored(url, 3);
    // Once the process has exited, an SDK would have flushed on the way out: nothing can still come.
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(receiver.received).toEqual([]);
  });
});

describe('telemetryPlan', () => {
  it('starts the SDK only when an OTLP endpoint is set, and never under OTEL_SDK_DISABLED=true', () => {
    expect(telemetryPlan({}).enabled).toBe(false);
    expect(telemetryPlan({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }).enabled).toBe(false);
    expect(telemetryPlan({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toEqual({ enabled: true, reason: 'OTEL_EXPORTER_OTLP_ENDPOINT set' });
    expect(telemetryPlan({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }).enabled).toBe(true);
    expect(telemetryPlan({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://c:4318/v1/metrics' }).enabled).toBe(true);
    expect(telemetryPlan({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'TRUE' })).toEqual({ enabled: false, reason: 'OTEL_SDK_DISABLED=true' });
    expect(telemetryPlan({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'false' }).enabled).toBe(true);
  });
});
