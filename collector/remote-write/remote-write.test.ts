import SnappyJS from 'snappyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testStack } from '../../test/helpers/stack.js';
import { encodeWriteRequest, type Label } from './decode.js';

// Its own file: one process holds one embedded data directory.
const TOKEN = 'remote-write-test-token';
const BASIC = 'Basic ' + Buffer.from(`prometheus:${TOKEN}`).toString('base64');
const RW_HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', authorization: BASIC };
const L = (o: Record<string, string>): Label[] => Object.entries(o).map(([name, value]) => ({ name, value }));
const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  s = await testStack({ server: { authToken: TOKEN, maxBodyBytes: 1 << 19, maxDecompressedBodyBytes: 1 << 20 } });
});
afterAll(async () => s?.stop());

const sql = async (query: string): Promise<Record<string, any>[]> => {
  const res = await s.post('/v1/sql', { query }, { authorization: `Bearer ${TOKEN}` });
  const body = (await res.json()) as { data: Record<string, any>[]; error?: string };
  if (!res.ok) throw new Error(`SQL failed: ${body.error}`);
  return body.data;
};
const write = (body: Buffer, headers: Record<string, string> = {}) => s.post('/api/v1/write', body, { ...RW_HEADERS, ...headers });

describe('POST /api/v1/write', () => {
  const t0 = Date.now() - 60_000;
  const gpu = (host: string, extra: Record<string, string> = {}) => L({ __name__: 'DCGM_FI_DEV_GPU_UTIL', gpu: '0', UUID: `GPU-${host}`, Hostname: host, modelName: 'NVIDIA H100 80GB HBM3', job: 'dcgm', instance: `${host}:9400`, ...extra });

  it('stores DCGM samples as gpu_samples at their own timestamps, answers 204, and stores a retry of the same request once', async () => {
    const body = encodeWriteRequest({
      timeseries: [{ labels: gpu('rw-a', { exported_namespace: 'team-a', namespace: 'gpu-operator', exported_pod: 'train-0' }), samples: [{ value: 40, timestamp: t0 }, { value: 41, timestamp: t0 + 15_000 }, { value: STALE, timestamp: t0 + 30_000 }] }],
      metadata: [{ type: 2, metricFamilyName: 'DCGM_FI_DEV_GPU_UTIL', help: 'GPU utilization (in %).' }],
    });
    const first = await write(body);
    expect(first.status).toBe(204);
    // Prometheus resends a batch whose answer it did not get: same samples, same rows.
    expect((await write(body)).status).toBe(204);
    await s.drain();
    const rows = await sql(`SELECT toUnixTimestamp64Milli(ts) AS ts, value, metric_type, namespace, pod, labels, source FROM gpu_samples FINAL WHERE hostname = 'rw-a' ORDER BY ts`);
    const row = { metric_type: 'gauge', namespace: 'team-a', pod: 'train-0', labels: { namespace: 'gpu-operator' }, source: 'remote_write:rw-a:9400' };
    expect(rows.map((r) => ({ ...r, ts: Number(r.ts) }))).toEqual([{ ts: t0, value: 40, ...row }, { ts: t0 + 15_000, value: 41, ...row }]);
  });

  it('stores other series in otel_metrics_sum when metadata says counter and in otel_metrics_gauge otherwise', async () => {
    const body = encodeWriteRequest({
      timeseries: [
        { labels: L({ __name__: 'rw_requests_total', job: 'rw-api', instance: 'h:1', code: '200' }), samples: [{ value: 12, timestamp: t0 }] },
        { labels: L({ __name__: 'rw_queue_depth', job: 'rw-api', instance: 'h:1' }), samples: [{ value: 3, timestamp: t0 }] },
      ],
      metadata: [{ type: 1, metricFamilyName: 'rw_requests_total', help: 'Requests.' }, { type: 2, metricFamilyName: 'rw_queue_depth' }],
    });
    expect((await write(body)).status).toBe(204);
    await s.drain();
    const sums = await sql(`SELECT MetricName, Value, Attributes, IsMonotonic, AggregationTemporality, ResourceAttributes FROM otel_metrics_sum FINAL WHERE ServiceName = 'rw-api'`);
    expect(sums).toEqual([{ MetricName: 'rw_requests_total', Value: 12, Attributes: { code: '200' }, IsMonotonic: true, AggregationTemporality: 2, ResourceAttributes: { 'service.name': 'rw-api', 'service.instance.id': 'h:1' } }]);
    const gauges = await sql(`SELECT MetricName, Value, toUnixTimestamp64Milli(TimeUnix) AS t FROM otel_metrics_gauge FINAL WHERE ServiceName = 'rw-api'`);
    expect(gauges.map((g) => [g.MetricName, g.Value, Number(g.t)])).toEqual([['rw_queue_depth', 3, t0]]);
  });

  it('answers 401 without the token and takes it as the basic-auth password Prometheus sends', async () => {
    const body = encodeWriteRequest({ timeseries: [] });
    expect((await s.post('/api/v1/write', body, { ...RW_HEADERS, authorization: '' })).status).toBe(401);
    expect((await write(body, { authorization: 'Basic ' + Buffer.from('prometheus:wrong').toString('base64') })).status).toBe(401);
    expect((await write(body, { authorization: `Bearer ${TOKEN}` })).status).toBe(204);
  });

  it('answers 400 naming the problem for a body that is not snappy or not a WriteRequest, and keeps it as a dead letter', async () => {
    const garbage = await write(Buffer.from('definitely not snappy'));
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as any).error).toMatch(/not snappy-compressed/);
    const notProto = await write(Buffer.from(SnappyJS.compress(Buffer.from([0xff, 0xff, 0xff]))));
    expect(notProto.status).toBe(400);
    expect(((await notProto.json()) as any).error).toMatch(/not a protobuf prometheus.WriteRequest/);
    const dl = await eventually(() => sql(`SELECT reason, payload FROM dead_letters WHERE source = 'remote_write' AND reason = 'bad_remote_write'`), (r) => r.length >= 2, { what: 'both bodies kept' });
    expect(dl.map((r) => r.payload)).toContain('base64:' + Buffer.from('definitely not snappy').toString('base64'));
  });

  it('answers 413 for a body whose snappy header declares more than the decompressed cap', async () => {
    const body = encodeWriteRequest({ timeseries: [{ labels: L({ __name__: 'rw_big', pad: 'x'.repeat(2 << 20) }), samples: [{ value: 1, timestamp: t0 }] }] });
    expect(body.length).toBeLessThan(1 << 20); // small on the wire, over the cap once inflated
    const res = await write(body);
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error).toMatch(/inflates past the limit of 1048576 bytes/);
  });

  it('answers 415 to another content type or encoding and to remote-write 2.0, so a 2.0 sender falls back to 1.0', async () => {
    const body = encodeWriteRequest({ timeseries: [] });
    expect((await write(body, { 'content-type': 'application/json' })).status).toBe(415);
    expect((await write(body, { 'content-encoding': 'gzip' })).status).toBe(415);
    const v2 = await write(body, { 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' });
    expect(v2.status).toBe(415);
    expect(((await v2.json()) as any).error).toMatch(/only remote-write 1.0/);
  });

  it('stores the valid samples of a request, answers 400 for the rest (Prometheus does not retry it) and keeps them as dead letters', async () => {
    const old = Date.UTC(2001, 0, 1);
    const body = encodeWriteRequest({ timeseries: [
      { labels: gpu('rw-mixed'), samples: [{ value: 5, timestamp: t0 }, { value: 6, timestamp: old }] },
      { labels: L({ job: 'nameless' }), samples: [{ value: 1, timestamp: t0 }] },
    ] });
    const res = await write(body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toMatch(/^2 samples refused \(the other 1 were stored\): a series without __name__.*; 1 gpu_sample events rejected/);
    await s.drain();
    const rows = await sql(`SELECT value FROM gpu_samples FINAL WHERE hostname = 'rw-mixed'`);
    expect(rows).toEqual([{ value: 5 }]);
    await eventually(() => sql(`SELECT count() AS n FROM dead_letters WHERE source = 'remote_write' AND kind = 'gpu_sample' AND payload LIKE '%rw-mixed%'`), (r) => Number(r[0]!.n) === 1, { what: 'the too-old sample kept' });
  });
});
