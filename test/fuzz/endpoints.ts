// The table of endpoints that take input. A later issue that adds an endpoint (OTLP, remote_write,
// OpenLineage, KServe …) adds one row here, and every hostile category is sent to it.
import SnappyJS from 'snappyjs';
import { encodeWriteRequestObject } from '../../collector/remote-write/decode.js';
import type { Fragment, IngestKind } from './generators.js';
import { HEADER, sign } from '../../registry/signature.js';

/** A piece of a valid request: literal text, or a slot a hostile fragment may replace. */
export type Part = string | { slot: 'json' | 'text' | 'path'; fill: string };
const S = (fill: string): Part => ({ slot: 'json', fill }); // a JSON value
const T = (fill: string): Part => ({ slot: 'text', fill }); // raw text (SQL, exposition, inside a string)

export interface Endpoint {
  name: string;
  /** The request path; `P` marks a path segment or query value a fragment may replace. */
  path: Part[];
  contentType: string;
  /** A valid body as parts; `n` makes it unique per input (silences refuse an identical overlapping one). */
  body: (n: number, nowMs: number) => Part[];
  /** Headers besides content-type (e.g. the ce-* attributes of a CloudEvent in binary mode). */
  headers?: (n: number, nowMs: number) => Record<string, string>;
  /** Set for ingest endpoints: mixed valid/invalid batches are sent here and checked against storage. */
  mixed?: { kind: IngestKind; table: string };
  /**
   * Turns the built body into the endpoint's wire format, for binary protocols whose body is not
   * text (remote write: a WriteRequest written as JSON here, sent as protobuf in snappy), so that
   * fragments reach the decoder's inner layers. Random bytes are sent without it.
   */
  encode?: (body: Buffer) => Buffer;
  /** Headers computed from the final body (a signature over it), so that fragments reach past the check. */
  sign?: (body: Buffer, n: number, nowMs: number) => Record<string, string>;
}

/** The webhook secret the fuzz stack is configured with (registry.mlflow.secret). */
export const FUZZ_MLFLOW_SECRET = 'fuzz-only-mlflow-webhook-secret';

/**
 * The JSON form of a WriteRequest as protobuf in snappy, as Prometheus sends it. What protobufjs
 * cannot encode (not JSON, a label that is an object) is sent as snappy around the raw bytes: a
 * valid snappy body that is no WriteRequest.
 */
function remoteWriteBody(body: Buffer): Buffer {
  try {
    return encodeWriteRequestObject(JSON.parse(body.toString('utf8')));
  } catch {
    return Buffer.from(SnappyJS.compress(body));
  }
}

const P = (fill: string): Part => ({ slot: 'path', fill });

export const ENDPOINTS: Endpoint[] = [
  {
    name: 'predictions',
    path: ['/v1/predictions'],
    contentType: 'application/json',
    mixed: { kind: 'prediction', table: 'predictions' },
    body: (n, now) => ['{"model":', S('"fuzz-model"'), ',"prediction_id":', S(`"fz-p-${n}"`), ',"timestamp":', S(String(now)), ',"features":{', S('"amount"'), ':', S('12.5'), ',"country":', S('"DE"'), '},"prediction":', S('"legit"'), ',"score":', S('0.12'), ',"latency_ms":', S('9.5'), ',"segments":{', S('"country"'), ':', S('"DE"'), '}}'],
  },
  {
    name: 'labels',
    path: ['/v1/labels'],
    contentType: 'application/json',
    mixed: { kind: 'label', table: 'labels' },
    body: (n, now) => ['{"model":', S('"fuzz-model"'), ',"prediction_id":', S(`"fz-p-${n}"`), ',"timestamp":', S(String(now)), ',"label":', S('"fraud"'), '}'],
  },
  {
    name: 'pipeline-events',
    path: ['/v1/pipeline-events'],
    contentType: 'application/x-ndjson',
    mixed: { kind: 'pipeline_event', table: 'pipeline_events' },
    body: (n, now) => ['{"event_id":', S(`"fz-e-${n}"`), ',"pipeline":', S('"features-daily"'), ',"run_id":', S('"r-1"'), ',"task":', S('"extract"'), ',"status":', S('"failed"'), ',"timestamp":', S(String(now)), ',"started_at":', S(String(now - 1000)), ',"rows_in":', S('1000'), ',"duration_ms":', S('12'), ',"error":', S('"timeout"'), '}'],
  },
  {
    name: 'gpu-metrics',
    path: ['/v1/gpu/metrics'],
    contentType: 'text/plain; version=0.0.4',
    body: () => ['# HELP ', T('DCGM_FI_DEV_GPU_UTIL'), ' GPU utilization (in %).\n# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n', T('DCGM_FI_DEV_GPU_UTIL'), '{gpu="', T('0'), '",UUID="', T('GPU-1'), '",', T('modelName'), '="', T('NVIDIA A100'), '",Hostname="', T('node-1'), '"} ', T('42'), '\nDCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-1",Hostname="node-1"} ', T('1024'), ' ', T('1764151200000'), '\n'],
  },
  {
    // KServe's logger: a CloudEvent in binary mode, the v2 request body in the slots.
    name: 'kserve',
    path: ['/v1/kserve'],
    contentType: 'application/json',
    headers: (n, now) => ({
      'ce-specversion': '1.0', 'ce-id': `fz-k-${n}`, 'ce-source': 'http://localhost:9081/', 'ce-type': 'org.kubeflow.serving.inference.request',
      'ce-time': new Date(now).toISOString(), 'ce-inferenceservicename': 'fuzz-isvc', 'ce-namespace': 'default', 'ce-component': 'predictor', 'ce-endpoint': 'default', 'ce-metadata': '{}',
    }),
    body: () => ['{"inputs":[{"name":', S('"age"'), ',"shape":', S('[2]'), ',"datatype":', S('"INT64"'), ',"data":', S('[39, 41]'), '},{"name":"workclass","shape":[2],"datatype":"BYTES","data":[', S('"State-gov"'), ',', S('"Private"'), ']}]}'],
  },
  {
    name: 'mlflow registry webhook',
    path: ['/v1/registry/mlflow'],
    contentType: 'application/json',
    // An alias move as MLflow 3.x sends it, signed over the final bytes, so hostile fragments reach the
    // payload's validation rather than stopping at the signature.
    body: (n, now) => ['{"entity":', S('"model_version_alias"'), ',"action":', S('"created"'), ',"timestamp":', S(`"${new Date(now).toISOString()}"`),
      ',"data":{"name":', S('"fuzz-model"'), ',"alias":', S('"champion"'), ',"version":', S(`"${(n % 7) + 1}"`), '}}'],
    sign: (body, n, now) => {
      const id = `fz-mlflow-${n}`;
      const ts = String(Math.floor(now / 1000));
      return { [HEADER.deliveryId]: id, [HEADER.timestamp]: ts, [HEADER.signature]: sign(FUZZ_MLFLOW_SECRET, id, ts, body) };
    },
  },
  {
    name: 'openlineage',
    path: ['/api/v1/lineage'],
    contentType: 'application/json',
    // One RunEvent of a task whose parent is a DAG run, with the facets the mapping reads; the run id varies with n.
    body: (n, now) => ['{"eventType":', S('"FAIL"'), ',"eventTime":', S(`"${new Date(now).toISOString()}"`), ',"producer":', S('"https://github.com/OpenLineage/OpenLineage/tree/1.39.0/client/java"'),
      ',"schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent","run":{"runId":', S(`"0190a8b0-0000-7000-8000-${n.toString(16).padStart(12, '0')}"`),
      ',"facets":{"parent":{"_producer":"https://p","_schemaURL":"https://s","run":{"runId":', S('"0190a8b0-0000-7000-8000-0000000000aa"'), '},"job":{"namespace":', S('"airflow"'), ',"name":', S('"fuzz_dag"'), '}}',
      ',"errorMessage":{"_producer":"https://p","_schemaURL":"https://s","message":', S('"disk full"'), ',"programmingLanguage":', S('"python"'), '}}}',
      ',"job":{"namespace":', S('"airflow"'), ',"name":', S('"fuzz_dag.load"'), '},"inputs":[{"namespace":', S('"postgres://db"'), ',"name":', S('"orders"'),
      ',"inputFacets":{"inputStatistics":{"_producer":"https://p","_schemaURL":"https://s","rowCount":', S('1200'), '}}}]}'],
  },
  {
    // Prometheus remote write 1.0: a DCGM series and a counter with its metadata.
    name: 'remote-write',
    path: ['/api/v1/write'],
    contentType: 'application/x-protobuf',
    headers: () => ({ 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' }),
    encode: remoteWriteBody,
    body: (n, now) => ['{"timeseries":[{"labels":[{"name":"__name__","value":', S('"DCGM_FI_DEV_GPU_UTIL"'), '},{"name":', S('"UUID"'), ',"value":', S(`"GPU-fz-${n}"`), '},{"name":"Hostname","value":', S('"fz-node"'),
      '},{"name":"job","value":', S('"dcgm"'), '}],"samples":[{"value":', S('42'), ',"timestamp":', S(String(now)), '}]},{"labels":[{"name":"__name__","value":', S('"fz_requests_total"'), '},{"name":', S('"code"'), ',"value":', S('"200"'),
      '}],"samples":[{"value":', S('7'), ',"timestamp":', S(String(now)), '}]}],"metadata":[{"type":', S('1'), ',"metricFamilyName":', S('"fz_requests_total"'), ',"help":', S('"Requests."'), '}]}'],
  },
  {
    name: 'sql',
    path: ['/v1/sql'],
    contentType: 'application/json',
    body: () => ['{"query":', S('"SELECT {x:Float64} AS x, {s:String} AS s, count() AS n FROM predictions WHERE model = {s:String}"'), ',"params":{"x":', S('1.5'), ',"s":', S('"fuzz-model"'), '}}'],
  },
  {
    name: 'sql-text',
    path: ['/v1/sql'],
    contentType: 'application/json',
    body: () => ['{"query":"SELECT ', T('1'), ' AS a, count() FROM predictions WHERE model = \'', T('fuzz-model'), '\' AND score < ', T('0.5'), '"}'],
  },
  {
    name: 'clickhouse',
    path: ['/clickhouse?default_format=JSON&param_x=', P('1.5')],
    contentType: 'text/plain',
    body: () => ['SELECT ', T('1'), ' AS a, {x:Float64} AS x, count() FROM predictions WHERE model = \'', T('fuzz-model'), '\' AND score < ', T('0.5'), ' FORMAT ', T('JSON')],
  },
  {
    name: 'silences',
    path: ['/v1/silences'],
    contentType: 'application/json',
    body: (n) => ['{"matchers":[', S(`"alertname=\\"Fuzz${n}\\""`), ',', S('"severity=~\\"warn.*\\""'), '],"startsAt":', S('"2026-01-01T00:00:00Z"'), ',"endsAt":', S('"2099-01-01T00:00:00Z"'), ',"createdBy":', S('"fuzz"'), ',"comment":', S('"fuzzing"'), '}'],
  },
  {
    name: 'otlp-traces',
    path: ['/v1/traces'],
    contentType: 'application/json',
    body: (n, now) => ['{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":', S('"fuzz-svc"'), '}}]},"scopeSpans":[{"scope":{"name":', S('"fuzz"'), '},"spans":[{"traceId":', S(`"${(n % 256).toString(16).padStart(2, '0').repeat(15)}01"`), ',"spanId":', S('"0102030405060708"'), ',"parentSpanId":', S('""'), ',"name":', S('"chat"'), ',"kind":', S('2'), ',"startTimeUnixNano":', S(`"${now}000000"`), ',"endTimeUnixNano":', S(`"${now + 5}000000"`), ',"attributes":[{"key":', S('"gen_ai.operation.name"'), ',"value":{"stringValue":', S('"chat"'), '}},{"key":"gen_ai.request.model","value":{"stringValue":', S('"fuzz-model"'), '}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":', S('"12"'), '}},{"key":"k","value":{"arrayValue":{"values":[{"doubleValue":', S('1.5'), '},{"bytesValue":', S('"AAE="'), '}]}}}],"events":[{"timeUnixNano":', S(`"${now}000001"`), ',"name":', S('"e"'), '}],"links":[{"traceId":', S('"0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"'), ',"spanId":', S('"0b0b0b0b0b0b0b0b"'), '}],"status":{"code":', S('2'), ',"message":', S('"boom"'), '}}]}]}]}'],
  },
  {
    name: 'otlp-metrics',
    path: ['/v1/metrics'],
    contentType: 'application/json',
    body: (_n, now) => ['{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":', S('"fuzz-svc"'), '}}]},"scopeMetrics":[{"metrics":[{"name":', S('"vllm:num_requests_running"'), ',"gauge":{"dataPoints":[{"timeUnixNano":', S(`"${now}000000"`), ',"asDouble":', S('3'), ',"attributes":[{"key":', S('"model_name"'), ',"value":{"stringValue":', S('"llama"'), '}}]}]}}]}]}]}'],
  },
  {
    name: 'otlp-logs',
    path: ['/v1/logs'],
    contentType: 'application/json',
    body: (n, now) => ['{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":', S('"fuzz-svc"'), '}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":', S(`"${now}000000"`), ',"severityNumber":', S('9'), ',"severityText":', S('"INFO"'), ',"body":{"stringValue":', S(`"fuzz log ${n}"`), '},"attributes":[{"key":', S('"event.name"'), ',"value":{"stringValue":', S('"fuzz"'), '}}]}]}]}]}'],
  },
  {
    name: 'reference-upload',
    path: ['/v1/models/', P('fuzz-ref'), '/reference?version=', P('v1')],
    contentType: 'application/json',
    body: () => ['[{"amount":', S('1.5'), ',"country":', S('"DE"'), '},{"features":{', S('"amount"'), ':', S('2'), '},"prediction":', S('"legit"'), ',"score":', S('0.3'), ',"label":', S('"fraud"'), ',"segments":{"country":', S('"FR"'), '}}]'],
  },
];

/** Percent-encodes every byte, so invalid UTF-8 reaches the server as %FF rather than being mangled here. */
const encodeBytes = (buf: Buffer) => [...buf].map((c) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(c)) ? String.fromCharCode(c) : '%' + c.toString(16).toUpperCase().padStart(2, '0'))).join('');

/** Every slot of an endpoint's request, in order: path slots first, then body slots. */
export function slotCount(e: Endpoint): number {
  return e.path.filter((p) => typeof p !== 'string').length + e.body(0, 0).filter((p) => typeof p !== 'string').length;
}

/** The request with slot `at` replaced by the fragment (or no slot replaced when `at` is -1). */
export function build(e: Endpoint, n: number, nowMs: number, at: number, f: Fragment | null): { path: string; body: Buffer } {
  let i = 0;
  const fill = (p: Part): Buffer => {
    if (typeof p === 'string') return Buffer.from(p);
    const mine = i++ === at && f;
    if (p.slot === 'path') return Buffer.from(mine ? encodeBytes(f.text) : encodeURIComponent(p.fill));
    if (!mine) return Buffer.from(p.fill);
    return p.slot === 'json' ? f.json : f.text;
  };
  const path = Buffer.concat(e.path.map(fill)).toString('latin1');
  const body = Buffer.concat(e.body(n, nowMs).map(fill));
  return { path, body: e.encode ? e.encode(body) : body };
}
