import type { EventKind } from '../../core/schemas/kinds.js';
import { isDcgmMetric, normaliseDcgmSeries } from '../gpu/dcgm.js';
import { gpuSampleToEvent } from '../gpu/to-event.js';
import type { WriteRequest } from './decode.js';
import type { MetadataCache } from './metadata.js';

// A remote-write WriteRequest → events, one per sample: DCGM_FI_* series become gpu_samples through
// the one DCGM normaliser (as scrape, push and OTLP do); every other series goes to the OTLP tables,
// otel_metrics_sum when Prometheus's metadata calls its family a counter, otel_metrics_gauge otherwise.

export interface RemoteWriteEvent { kind: EventKind; key: string; event: Record<string, unknown> }
export interface ConvertedWrite {
  events: RemoteWriteEvent[];
  /** Samples that could not become events (a series without a name); `errors` says why (first ten). */
  rejected: number;
  errors: string[];
  /** Staleness markers skipped: they say a series ended, they are not readings. */
  stale: number;
}

/** The scope the otel_metrics_* rows of this route carry, so they can be told from OTLP's. */
export const SCOPE_NAME = 'mlobs/remote_write';

/**
 * Prometheus's staleness marker is the NaN with bits 0x7ff0000000000002 (model/value.StaleNaN); an
 * ordinary NaN reading is 0x7ff8000000000001. Reading a double may set the quiet bit (0x0008…), as
 * protobufjs's decode does on x64, so the quiet bit is ignored and the payload compared.
 */
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const QUIET_BIT = 0x0008000000000000n;
export function isStaleMarker(v: number): boolean {
  if (!Number.isNaN(v)) return false;
  f64[0] = v;
  return (u64[0]! & ~QUIET_BIT) === 0x7ff0000000000002n;
}

type Float = number | 'NaN' | '+Inf' | '-Inf';
const float = (d: number): Float => (Number.isFinite(d) ? d : Number.isNaN(d) ? 'NaN' : d > 0 ? '+Inf' : '-Inf');

/** gpu_samples.metric_type of a family type; types it has no column value for are `untyped`. */
const GPU_METRIC_TYPES = new Set(['counter', 'gauge', 'histogram', 'summary']);

export function convertWriteRequest(req: WriteRequest, ctx: { nowMs: number; metadata: MetadataCache }): ConvertedWrite {
  ctx.metadata.learn(req.metadata);
  const out: ConvertedWrite = { events: [], rejected: 0, errors: [] , stale: 0 };
  for (const ts of req.timeseries) {
    let name = '';
    let job = '';
    let instance = '';
    // Null prototype: label names are the sender's, and `__proto__` must stay a plain key.
    const labels: Record<string, string> = Object.create(null);
    for (const l of ts.labels) {
      if (l.name === '__name__') name = l.value;
      else if (l.name === 'job') job = l.value;
      else if (l.name === 'instance') instance = l.value;
      else if (l.value !== '') labels[l.name] = l.value;
    }
    if (!name) {
      out.rejected += ts.samples.length;
      if (out.errors.length < 10) out.errors.push(`a series without __name__ (labels ${JSON.stringify(Object.fromEntries(ts.labels.map((l) => [l.name, l.value]))).slice(0, 200)})`);
      continue;
    }
    const family = ctx.metadata.lookup(name);
    if (isDcgmMetric(name)) {
      // job and instance name the scrape target (the exporter), as an OTLP resource does; the
      // instance becomes the source, the rest of the labels go through the normaliser's rules.
      const metricType = family && GPU_METRIC_TYPES.has(family.type) ? family.type : 'untyped';
      const source = instance ? `remote_write:${instance}` : 'remote_write';
      for (const s of ts.samples) {
        if (isStaleMarker(s.value)) {
          out.stale++;
          continue;
        }
        const sample = normaliseDcgmSeries({ metric: name, metricType, labels, value: s.value, timestampMs: s.timestamp }, { nowMs: ctx.nowMs, source });
        out.events.push({ kind: 'gpu_sample', key: `${sample.hostname}/${sample.uuid || sample.gpu}`, event: gpuSampleToEvent(sample) as unknown as Record<string, unknown> });
      }
      continue;
    }
    const resource: Record<string, string> = {};
    if (job) resource['service.name'] = job;
    if (instance) resource['service.instance.id'] = instance;
    const counter = family?.type === 'counter';
    const base = {
      resource_attributes: resource,
      scope_name: SCOPE_NAME,
      service_name: job,
      metric_name: name,
      metric_description: family?.help ?? '',
      metric_unit: family?.unit ?? '',
      attributes: { ...labels },
    };
    for (const s of ts.samples) {
      if (isStaleMarker(s.value)) {
        out.stale++;
        continue;
      }
      const point = { ...base, time_unix_nano: `${s.timestamp}000000`, value: float(s.value) };
      if (counter) out.events.push({ kind: 'otel_metric_sum', key: name, event: { ...point, aggregation_temporality: 2, is_monotonic: true } });
      else out.events.push({ kind: 'otel_metric_gauge', key: name, event: point });
    }
  }
  return out;
}
