import { readFileSync } from 'node:fs';
import SnappyJS from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../gpu/exposition.js';
import { toGpuSamples } from '../gpu/dcgm.js';
import { gpuSampleToEvent } from '../gpu/to-event.js';
import { METRIC_TYPES, decodeWriteRequest, encodeWriteRequest, type Label } from './decode.js';
import { convertWriteRequest, isStaleMarker } from './convert.js';
import { MetadataCache } from './metadata.js';

const T = Date.UTC(2026, 10, 20, 10, 0, 0);
const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;
const PROM_NAN = new Float64Array(new BigUint64Array([0x7ff8000000000001n]).buffer)[0]!;
const L = (o: Record<string, string>): Label[] => Object.entries(o).map(([name, value]) => ({ name, value }));
/** Encode, then decode as the receiver does, so every test goes through snappy and protobuf. */
const roundTrip = (req: Parameters<typeof encodeWriteRequest>[0]) => decodeWriteRequest(encodeWriteRequest(req), 1 << 24);

describe('remote-write conversion', () => {
  it('turns a dcgm-exporter scrape sent by remote write into the same gpu_samples a scrape of it stores', () => {
    const text = readFileSync(new URL('../gpu/testdata/dcgm-exporter.txt', import.meta.url), 'utf8');
    const { families } = parseExposition(text);
    // What Prometheus sends after scraping it: every label (empty ones dropped, as its scraper does),
    // job and instance added, the scrape time as each sample's timestamp, and the families' metadata.
    const timeseries = families.flatMap((f) => f.samples.map((s) => ({
      labels: L({ __name__: s.name, ...Object.fromEntries(Object.entries(s.labels).filter(([, v]) => v !== '')), job: 'dcgm', instance: 'gpu-node-a1:9400' }),
      samples: [{ value: s.value, timestamp: T }],
    })));
    const metadata = families.map((f) => ({ type: METRIC_TYPES.indexOf(f.type as never), metricFamilyName: f.name, help: f.help, unit: '' }));
    const got = convertWriteRequest(roundTrip({ timeseries, metadata }), { nowMs: T + 999, metadata: new MetadataCache() });
    const want = toGpuSamples(families, { nowMs: T, source: 'remote_write:gpu-node-a1:9400' }).map(gpuSampleToEvent);
    expect(got.rejected).toBe(0);
    expect(got.events.map((e) => e.kind)).toEqual(want.map(() => 'gpu_sample'));
    expect(got.events.map((e) => e.event)).toEqual(want);
    // The sentinels went through a float64 and are still recognised as blanks.
    expect(want.some((e) => e.value === null)).toBe(true);
  });

  it('skips staleness markers but keeps an ordinary NaN reading', () => {
    expect(isStaleMarker(STALE)).toBe(true);
    expect(isStaleMarker(PROM_NAN)).toBe(false);
    expect(isStaleMarker(NaN)).toBe(false);
    const labels = L({ __name__: 'DCGM_FI_DEV_GPU_UTIL', gpu: '0', UUID: 'GPU-1', Hostname: 'n1' });
    const other = L({ __name__: 'up', job: 'x', instance: 'i' });
    const got = convertWriteRequest(roundTrip({ timeseries: [
      { labels, samples: [{ value: 40, timestamp: T }, { value: STALE, timestamp: T + 1000 }, { value: PROM_NAN, timestamp: T + 2000 }] },
      { labels: other, samples: [{ value: 1, timestamp: T }, { value: STALE, timestamp: T + 1000 }] },
    ] }), { nowMs: T, metadata: new MetadataCache() });
    expect(got.stale).toBe(2);
    expect(got.events.map((e) => [e.kind, e.event.timestamp ?? e.event.time_unix_nano, e.event.value])).toEqual([
      ['gpu_sample', T, 40],
      ['gpu_sample', T + 2000, 'NaN'],
      ['otel_metric_gauge', `${T}000000`, 1],
    ]);
  });

  it('sends a series to the sum table when metadata (from this or an earlier request) says counter, else to the gauge table, and keeps classic histogram series plain', () => {
    const metadata = new MetadataCache();
    const series = (name: string, extra: Record<string, string> = {}) => ({ labels: L({ __name__: name, job: 'api', instance: '10.0.0.1:8080', ...extra }), samples: [{ value: 7, timestamp: T }] });
    // Metadata arrives on its own, as Prometheus 2.x sends it.
    convertWriteRequest(roundTrip({ timeseries: [], metadata: [
      { type: 1, metricFamilyName: 'http_requests_total', help: 'Requests.', unit: '' },
      { type: 3, metricFamilyName: 'latency_seconds', help: 'Latency.', unit: 'seconds' },
      { type: 1, metricFamilyName: 'om_events', help: 'OpenMetrics family.', unit: '' },
    ] }), { nowMs: T, metadata });
    const got = convertWriteRequest(roundTrip({ timeseries: [
      series('http_requests_total', { code: '200' }), series('om_events_total'), series('temperature'), series('latency_seconds_bucket', { le: '0.5' }), series('latency_seconds_count'),
    ] }), { nowMs: T, metadata });
    expect(got.events.map((e) => [e.kind, e.event.metric_name])).toEqual([
      ['otel_metric_sum', 'http_requests_total'], ['otel_metric_sum', 'om_events_total'], ['otel_metric_gauge', 'temperature'],
      ['otel_metric_gauge', 'latency_seconds_bucket'], ['otel_metric_gauge', 'latency_seconds_count'],
    ]);
    expect(got.events[0]!.event).toMatchObject({
      service_name: 'api', resource_attributes: { 'service.name': 'api', 'service.instance.id': '10.0.0.1:8080' },
      attributes: { code: '200' }, metric_description: 'Requests.', is_monotonic: true, aggregation_temporality: 2, time_unix_nano: `${T}000000`, value: 7,
    });
    expect(got.events[3]!.event.attributes).toEqual({ le: '0.5' });
  });

  it('uses the DCGM metadata type for metric_type and untyped when none was sent', () => {
    const metadata = new MetadataCache();
    const s = { labels: L({ __name__: 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', gpu: '0', UUID: 'GPU-1', Hostname: 'n1' }), samples: [{ value: 5, timestamp: T }] };
    expect(convertWriteRequest(roundTrip({ timeseries: [s] }), { nowMs: T, metadata }).events[0]!.event.metric_type).toBe('untyped');
    const got = convertWriteRequest(roundTrip({ timeseries: [s], metadata: [{ type: 1, metricFamilyName: 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION' }] }), { nowMs: T, metadata });
    expect(got.events[0]!.event.metric_type).toBe('counter');
  });

  it('refuses the samples of a series without a name and says which', () => {
    const got = convertWriteRequest(roundTrip({ timeseries: [{ labels: L({ job: 'x' }), samples: [{ value: 1, timestamp: T }, { value: 2, timestamp: T + 1 }] }] }), { nowMs: T, metadata: new MetadataCache() });
    expect(got.rejected).toBe(2);
    expect(got.errors[0]).toMatch(/without __name__/);
  });

  it('refuses a body that declares a decompressed size past the cap before inflating it, and names non-snappy and non-protobuf bodies', () => {
    const big = encodeWriteRequest({ timeseries: [{ labels: L({ __name__: 'x', pad: 'y'.repeat(5000) }), samples: [{ value: 1, timestamp: T }] }] });
    expect(() => decodeWriteRequest(big, 1000)).toThrow(expect.objectContaining({ reason: 'body_too_large' }));
    expect(() => decodeWriteRequest(Buffer.from('not snappy at all'), 1 << 20)).toThrow(expect.objectContaining({ reason: 'bad_remote_write', message: expect.stringMatching(/snappy/) }));
    // Valid snappy around bytes that are no protobuf (field 31 with wire type 7).
    const notProto = Buffer.from(SnappyJS.compress(Buffer.from([0xff, 0xff, 0xff])));
    expect(() => decodeWriteRequest(notProto, 1 << 20)).toThrow(expect.objectContaining({ reason: 'bad_remote_write', message: expect.stringMatching(/not a protobuf prometheus.WriteRequest/) }));
  });
});
