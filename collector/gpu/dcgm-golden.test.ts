// The one golden test of the DCGM normaliser: the same dcgm-exporter exposition, read by a direct
// scrape and by an OpenTelemetry Collector's prometheus receiver sending OTLP, must yield the same
// gpu_samples, and both must equal the reviewed golden copy testdata/dcgm-exporter.gpu-samples.json.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExposition, type MetricFamily } from './exposition.js';
import { toGpuSamples } from './dcgm.js';
import { gpuSampleToEvent } from './to-event.js';
import { convertMetrics } from '../otlp/metrics.js';
import { decodeExport, encodeRequest } from '../otlp/decode.js';
import { validateConfig } from '../../app/config.js';

const EXPOSITION = readFileSync(new URL('./testdata/dcgm-exporter.txt', import.meta.url), 'utf8');
const GOLDEN = JSON.parse(readFileSync(new URL('./testdata/dcgm-exporter.gpu-samples.json', import.meta.url), 'utf8')) as Record<string, unknown>[];
const SCRAPED_AT_MS = 1_717_000_000_000;
const TARGET = 'http://10.0.0.7:9400/metrics';

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

/**
 * The ExportMetricsServiceRequest a Collector's prometheus receiver sends for one scrape of the
 * exposition: job/instance and the target become resource attributes (the k8sattributes processor
 * adds the exporter's own pod), gauges stay gauges, counters become cumulative monotonic sums, every
 * value is a double, empty labels are dropped, and every point carries the scrape time. The receiver
 * also reports its own `up` and `scrape_*` series.
 */
function asPrometheusReceiverWould(families: MetricFamily[]) {
  const ns = String(BigInt(SCRAPED_AT_MS) * 1_000_000n);
  const metrics = families.map((f) => {
    const dataPoints = f.samples.map((s) => ({
      attributes: Object.entries(s.labels).filter(([, v]) => v !== '').map(([k, v]) => str(k, v)),
      timeUnixNano: ns,
      ...(f.type === 'counter' ? { startTimeUnixNano: String(BigInt(SCRAPED_AT_MS - 60_000) * 1_000_000n) } : {}),
      asDouble: s.value,
    }));
    const data = f.type === 'counter' ? { sum: { dataPoints, aggregationTemporality: 2, isMonotonic: true } } : { gauge: { dataPoints } };
    return { name: f.name, description: f.help ?? '', ...data };
  });
  metrics.push({ name: 'up', description: 'The scraping was successful', gauge: { dataPoints: [{ attributes: [], timeUnixNano: ns, asDouble: 1 }] } });
  metrics.push({ name: 'scrape_duration_seconds', description: 'Duration of the scrape', gauge: { dataPoints: [{ attributes: [], timeUnixNano: ns, asDouble: 0.012 }] } });
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: [
            str('service.name', 'dcgm-exporter'),
            str('service.instance.id', '10.0.0.7:9400'),
            str('server.address', '10.0.0.7'),
            str('server.port', '9400'),
            str('url.scheme', 'http'),
            str('k8s.pod.name', 'dcgm-exporter-x7k2p'),
            str('k8s.namespace.name', 'gpu-operator'),
            str('host.name', 'otel-collector-0'),
          ],
        },
        scopeMetrics: [{ scope: { name: 'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/prometheusreceiver', version: '0.139.0' }, metrics }],
      },
    ],
  };
}

const withoutSource = (e: Record<string, unknown>) => {
  const { source: _source, ...rest } = e;
  return rest;
};

describe('the DCGM normaliser golden test', () => {
  const families = parseExposition(EXPOSITION).families;
  const scraped = toGpuSamples(families, { nowMs: SCRAPED_AT_MS, source: TARGET }).map(gpuSampleToEvent);
  // Through the wire encoding, as the receiver decodes it.
  const request = decodeExport('metrics', encodeRequest('metrics', asPrometheusReceiverWould(families)), 'application/x-protobuf');
  const converted = convertMetrics(request, { nowMs: SCRAPED_AT_MS + 5_000, otlp: validateConfig({}).otlp });
  const viaOtlp = converted.events.filter((e) => e.kind === 'gpu_sample').map((e) => e.event as Record<string, unknown>);

  it('a direct scrape yields exactly the golden gpu_samples', () => {
    expect(scraped.map(withoutSource)).toEqual(GOLDEN);
  });

  it("the same series through a Collector's prometheus receiver and OTLP yield the same gpu_samples (source aside)", () => {
    expect(viaOtlp.map(withoutSource)).toEqual(GOLDEN);
  });

  it("names the Collector's scrape target as the source of the samples that came through OTLP", () => {
    expect(new Set(viaOtlp.map((e) => e.source))).toEqual(new Set(['otlp:10.0.0.7:9400']));
  });

  it("sends the receiver's own series to the OpenTelemetry tables, not to gpu_samples", () => {
    expect(converted.events.filter((e) => e.kind !== 'gpu_sample').map((e) => [e.kind, (e.event as { metric_name: string }).metric_name])).toEqual([
      ['otel_metric_gauge', 'up'],
      ['otel_metric_gauge', 'scrape_duration_seconds'],
    ]);
    expect(converted.rejected).toBe(0);
  });
});
