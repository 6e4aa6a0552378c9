// The DCGM normaliser: one DCGM series (from an exposition, an OTLP data point or remote_write) →
// one `gpu_samples` row, with the identity labels dcgm-exporter always attaches lifted into typed
// columns for cheap filtering.

import type { GpuSample } from '../../core/schemas/gpu-sample.js';
import { isDcgmBlank } from './dcgm-blank.js';
import type { MetricFamily, Sample } from './exposition.js';

export { isDcgmBlank } from './dcgm-blank.js';

/** The GpuSample columns that are filled from labels. */
type LabelField =
  | 'gpu'
  | 'uuid'
  | 'pciBusId'
  | 'device'
  | 'modelName'
  | 'hostname'
  | 'gpuIProfile'
  | 'gpuIId'
  | 'namespace'
  | 'pod'
  | 'container';

/**
 * Source labels per column, highest priority first; the first non-empty one wins.
 * - `Hostname` before `hostname`: released exporters emit `Hostname`, newer ones `hostname`, and a
 *   capitalised label is never something a scraper adds, whereas `hostname` is a common relabel target.
 * - `UUID` before `uuid`: dcgm-exporter's legacy-labels mode spells it lower-case.
 * - `exported_*` before the plain pod labels: Prometheus-style scrapers (honor_labels: false) rename an
 *   exposed label to `exported_<name>` only when the scrape target already has that label, and the
 *   plain label then holds the target's value (the dcgm-exporter pod itself, e.g. namespace
 *   "gpu-operator"). So when both exist, `exported_*` is what dcgm-exporter reported.
 */
const SOURCES: Readonly<Record<LabelField, readonly string[]>> = {
  gpu: ['gpu'],
  uuid: ['UUID', 'uuid'],
  pciBusId: ['pci_bus_id'],
  device: ['device'],
  modelName: ['modelName'],
  hostname: ['Hostname', 'hostname'],
  gpuIProfile: ['GPU_I_PROFILE'],
  gpuIId: ['GPU_I_ID'],
  namespace: ['exported_namespace', 'namespace'],
  pod: ['exported_pod', 'pod'],
  container: ['exported_container', 'container'],
};

const FIELD_OF_LABEL: ReadonlyMap<string, LabelField> = new Map(
  (Object.entries(SOURCES) as [LabelField, readonly string[]][]).flatMap(([field, names]) =>
    names.map((name): [string, LabelField] => [name, field]),
  ),
);

/**
 * Where and when a series was read: `nowMs` stamps series without their own timestamp; `source` is
 * copied to every row; `hostname`, when given, is the host of every row (the Kubernetes node a
 * discovered exporter pod runs on), whatever the series' own Hostname label says.
 */
export interface ToGpuSamplesOptions {
  nowMs: number;
  source: string;
  hostname?: string;
}

/**
 * One DCGM series reading as any way in sees it: a scraped or pushed exposition sample, an OTLP data
 * point (a Collector's prometheus receiver scraping dcgm-exporter), or a remote_write sample.
 */
export interface DcgmSeries {
  /** The field name, e.g. DCGM_FI_DEV_GPU_UTIL. */
  metric: string;
  /** gauge, counter, histogram, summary or untyped. */
  metricType: string;
  /** The series' own labels (an OTLP data point's attributes). */
  labels: Readonly<Record<string, string>>;
  value: number;
  /**
   * The value's exact decimal text when the source has one (exposition text, an OTLP int64); sentinel
   * checks need it, because a double cannot tell 9223372036854775791 from a sentinel. Without it the
   * double's shortest text is used, which still catches every sentinel that went through a float64.
   */
  raw?: string;
  timestampMs?: number;
  /**
   * Attributes of the OTLP resource that sent the series. They describe the exporter (its pod, the
   * scrape job), not the GPU, so only `host.name` is used, and only when no host label exists.
   */
  resource?: Readonly<Record<string, string>>;
}

function pick(labels: Readonly<Record<string, string>>, names: readonly string[]): string {
  for (const name of names) {
    const value = labels[name];
    if (value !== undefined && value !== '') return value;
  }
  return '';
}

/**
 * The one DCGM normaliser: every way in (scrape, push, OTLP, remote_write) turns a series into a
 * GpuSample here, so the same reading is stored identically whichever way it came. Rules:
 * - blank sentinels become value null (see dcgm-blank.ts);
 * - identity labels are lifted into typed columns (SOURCES above: spellings, `exported_*`, MIG ids);
 * - an empty label is no label, as in Prometheus (whose scrapers, the Collector's prometheus receiver
 *   included, drop empty labels), so a series stores the same whether or not a hop dropped them;
 * - namespace/pod/container come only from the series itself: resource attributes such as
 *   k8s.pod.name name the exporter's pod, and using them for an unallocated GPU would charge its
 *   cost to the exporter's namespace;
 * - the host is `Hostname`/`hostname`, else the resource's `host.name`.
 * Never throws.
 */
export function normaliseDcgmSeries(series: DcgmSeries, opts: ToGpuSamplesOptions): GpuSample {
  const l = series.labels;
  const typed: Record<LabelField, string> = {
    gpu: pick(l, SOURCES.gpu),
    uuid: pick(l, SOURCES.uuid),
    pciBusId: pick(l, SOURCES.pciBusId),
    device: pick(l, SOURCES.device),
    modelName: pick(l, SOURCES.modelName),
    hostname: pick(l, SOURCES.hostname) || (series.resource?.['host.name'] ?? ''),
    gpuIProfile: pick(l, SOURCES.gpuIProfile),
    gpuIId: pick(l, SOURCES.gpuIId),
    namespace: pick(l, SOURCES.namespace),
    pod: pick(l, SOURCES.pod),
    container: pick(l, SOURCES.container),
  };
  // The node name from discovery wins: an exporter's Hostname is its pod's name unless its DaemonSet
  // passes the node name in, and one node must be one host whichever exporter version runs there.
  // A Hostname label that differs is kept among the labels by the rule below.
  if (opts.hostname) typed.hostname = opts.hostname;

  // A source label is dropped once its column holds the same information (the winner or an equal
  // duplicate); a losing label with a different value is kept so the conflict stays visible instead
  // of silently vanishing. Null prototype for the same reason as the parser's.
  const rest: Record<string, string> = Object.create(null);
  for (const name of Object.keys(l)) {
    const value = l[name] as string;
    if (value === '') continue;
    const field = FIELD_OF_LABEL.get(name);
    if (field === undefined || value !== typed[field]) rest[name] = value;
  }

  return {
    tsMs: series.timestampMs ?? opts.nowMs,
    metric: series.metric,
    metricType: series.metricType,
    value: isDcgmBlank(series.raw ?? String(series.value), series.value) ? null : series.value,
    hostname: typed.hostname,
    gpu: typed.gpu,
    uuid: typed.uuid,
    pciBusId: typed.pciBusId,
    device: typed.device,
    modelName: typed.modelName,
    gpuIProfile: typed.gpuIProfile,
    gpuIId: typed.gpuIId,
    namespace: typed.namespace,
    pod: typed.pod,
    container: typed.container,
    labels: rest,
    source: opts.source,
  };
}

/** True for the series dcgm-exporter emits (DCGM field names), which become gpu_samples wherever they arrive. */
export function isDcgmMetric(name: string): boolean {
  return name.startsWith('DCGM_FI_');
}

function sampleSeries(family: MetricFamily, sample: Sample): DcgmSeries {
  return { metric: sample.name, metricType: family.type, labels: sample.labels, value: sample.value, raw: sample.raw, timestampMs: sample.timestampMs };
}

/** One GpuSample per sample of every family of an exposition, in input order, through the normaliser. Never throws. */
export function toGpuSamples(families: readonly MetricFamily[], opts: ToGpuSamplesOptions): GpuSample[] {
  const rows: GpuSample[] = [];
  for (const family of families) {
    for (const sample of family.samples) rows.push(normaliseDcgmSeries(sampleSeries(family, sample), opts));
  }
  return rows;
}
