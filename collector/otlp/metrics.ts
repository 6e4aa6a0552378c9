import { isDcgmMetric, normaliseDcgmSeries } from '../gpu/dcgm.js';
import { gpuSampleToEvent } from '../gpu/to-event.js';
import { attributesToMap, type KeyValue } from './attributes.js';
import type { Converted, Converter } from './converter.js';

// OTLP metrics → events, per data point: DCGM series (a Collector's prometheus receiver scraping
// dcgm-exporter) become gpu_samples through the one DCGM normaliser, exactly as a scrape of the same
// exposition would; every other gauge, sum and histogram point goes to the exporter's tables.
// Exponential histograms and summaries are refused in partial_success (no tables for them yet).

/** DataPointFlags.FLAG_NO_RECORDED_VALUE: a Prometheus staleness marker, not a reading. */
const NO_RECORDED_VALUE = 1;

type Float = number | 'NaN' | '+Inf' | '-Inf';
/** A double as the bus carries it: JSON has no NaN or infinities. */
function float(v: number | undefined): Float {
  const d = v ?? 0;
  if (Number.isFinite(d)) return d;
  return Number.isNaN(d) ? 'NaN' : d > 0 ? '+Inf' : '-Inf';
}

const hex = (b: Buffer | Uint8Array | undefined) => (b && b.length ? Buffer.from(b).toString('hex') : '');
const nanos = (v: string | number | undefined) => (v === undefined ? '0' : String(v));

/** A NumberDataPoint's value as a double and, for an int64, its exact text. */
function numberValue(dp: Record<string, any>): { value: number; raw?: string } | null {
  if (dp.value === 'asInt' || (dp.value === undefined && dp.asInt !== undefined)) return { value: Number(dp.asInt), raw: String(dp.asInt) };
  if (dp.value === 'asDouble' || (dp.value === undefined && dp.asDouble !== undefined)) return { value: Number(dp.asDouble) };
  return null;
}

function exemplars(list: Record<string, any>[] | undefined) {
  return (list ?? []).map((x) => ({
    filtered_attributes: attributesToMap(x.filteredAttributes as KeyValue[]),
    time_unix_nano: nanos(x.timeUnixNano),
    value: float(numberValue(x)?.value),
    span_id: hex(x.spanId),
    trace_id: hex(x.traceId),
  }));
}

const DATA_FIELDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;
type DataField = (typeof DATA_FIELDS)[number];
const dataOf = (m: Record<string, any>): DataField | undefined => (DATA_FIELDS as readonly string[]).includes(m.data) ? m.data : DATA_FIELDS.find((f) => m[f] !== undefined);

export const convertMetrics: Converter = (request, ctx) => {
  const out: Converted = { events: [], rejected: 0, errors: [] };
  const refuse = (n: number, why: string) => {
    out.rejected += n;
    if (out.errors.length < 10) out.errors.push(why);
  };
  for (const rm of (request.resourceMetrics ?? []) as Record<string, any>[]) {
    const resourceAttributes = attributesToMap(rm.resource?.attributes);
    for (const sm of (rm.scopeMetrics ?? []) as Record<string, any>[]) {
      const base = {
        resource_attributes: resourceAttributes,
        resource_schema_url: rm.schemaUrl ?? '',
        scope_name: sm.scope?.name ?? '',
        scope_version: sm.scope?.version ?? '',
        scope_attributes: attributesToMap(sm.scope?.attributes),
        scope_dropped_attr_count: sm.scope?.droppedAttributesCount ?? 0,
        scope_schema_url: sm.schemaUrl ?? '',
        service_name: resourceAttributes['service.name'] ?? '',
      };
      for (const m of (sm.metrics ?? []) as Record<string, any>[]) {
        const name: string = m.name ?? '';
        const field = dataOf(m);
        const points = (field ? (m[field]?.dataPoints ?? []) : []) as Record<string, any>[];
        if (field === undefined) {
          refuse(0, `metric ${JSON.stringify(name)} has no data (gauge, sum or histogram)`);
          continue;
        }
        if (field === 'exponentialHistogram' || field === 'summary') {
          refuse(points.length, `metric ${JSON.stringify(name)}: ${field === 'summary' ? 'summary' : 'exponential histogram'} data points are not stored (mlobs keeps gauge, sum and explicit-bucket histogram points)`);
          continue;
        }
        const metric = { ...base, metric_name: name, metric_description: m.description ?? '', metric_unit: m.unit ?? '' };
        for (const dp of points) {
          const time = nanos(dp.timeUnixNano);
          if (time === '0') {
            refuse(1, `metric ${JSON.stringify(name)}: a data point has no time_unix_nano`);
            continue;
          }
          const attributes = attributesToMap(dp.attributes);
          if (field === 'histogram') {
            out.events.push({
              kind: 'otel_metric_histogram',
              key: name,
              event: {
                ...metric,
                attributes,
                start_time_unix_nano: nanos(dp.startTimeUnixNano),
                time_unix_nano: time,
                flags: dp.flags ?? 0,
                exemplars: exemplars(dp.exemplars),
                count: Number(dp.count ?? 0),
                sum: float(dp.sum),
                bucket_counts: ((dp.bucketCounts ?? []) as (string | number)[]).map(Number),
                explicit_bounds: (dp.explicitBounds ?? []) as number[],
                min: float(dp.min),
                max: float(dp.max),
                aggregation_temporality: m.histogram.aggregationTemporality ?? 0,
              },
            });
            continue;
          }
          const v = numberValue(dp);
          if (v === null) {
            refuse(1, `metric ${JSON.stringify(name)}: a data point has no value (as_double or as_int)`);
            continue;
          }
          if (isDcgmMetric(name)) {
            // A staleness marker says the series is gone; a direct scrape would have no sample at all.
            if ((dp.flags ?? 0) & NO_RECORDED_VALUE) continue;
            const sample = normaliseDcgmSeries(
              {
                metric: name,
                // The prometheus receiver makes a counter a monotonic sum and a gauge (or untyped) a gauge.
                metricType: field === 'sum' && m.sum?.isMonotonic ? 'counter' : 'gauge',
                labels: attributes,
                value: v.value,
                raw: v.raw,
                timestampMs: Number(BigInt(time) / 1_000_000n),
                resource: resourceAttributes,
              },
              { nowMs: ctx.nowMs, source: gpuSource(resourceAttributes) },
            );
            out.events.push({ kind: 'gpu_sample', key: `${sample.hostname}/${sample.uuid || sample.gpu}`, event: gpuSampleToEvent(sample) });
            continue;
          }
          const point = { ...metric, attributes, start_time_unix_nano: nanos(dp.startTimeUnixNano), time_unix_nano: time, flags: dp.flags ?? 0, exemplars: exemplars(dp.exemplars), value: float(v.value) };
          if (field === 'gauge') out.events.push({ kind: 'otel_metric_gauge', key: name, event: point });
          else out.events.push({ kind: 'otel_metric_sum', key: name, event: { ...point, aggregation_temporality: m.sum.aggregationTemporality ?? 0, is_monotonic: m.sum.isMonotonic ?? false } });
        }
      }
    }
  }
  return out;
};

/**
 * The `source` of a GPU sample that came through OTLP: `otlp:` and the scrape target the Collector
 * reported (service.instance.id is the prometheus receiver's `instance`), so rows from two
 * Collectors stay apart as rows from two scrape targets do.
 */
export function gpuSource(resource: Readonly<Record<string, string>>): string {
  const instance = resource['service.instance.id'];
  return instance ? `otlp:${instance}` : 'otlp';
}
