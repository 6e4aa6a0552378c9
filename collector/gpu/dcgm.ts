// Maps parsed dcgm-exporter families to `gpu_samples` rows: one row per exposition sample, with the
// identity labels dcgm-exporter always attaches lifted into typed columns for cheap filtering.

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
 * Options for toGpuSamples: `nowMs` stamps samples without their own timestamp; `source` is copied to
 * every row; `hostname`, when given, is the host of every row (the Kubernetes node a discovered
 * exporter pod runs on), whatever the exposition's own Hostname label says.
 */
export interface ToGpuSamplesOptions {
  nowMs: number;
  source: string;
  hostname?: string;
}

function pick(labels: Record<string, string>, names: readonly string[]): string {
  for (const name of names) {
    const value = labels[name];
    if (value !== undefined && value !== '') return value;
  }
  return '';
}

function toGpuSample(family: MetricFamily, sample: Sample, opts: ToGpuSamplesOptions): GpuSample {
  const l = sample.labels;
  const typed: Record<LabelField, string> = {
    gpu: pick(l, SOURCES.gpu),
    uuid: pick(l, SOURCES.uuid),
    pciBusId: pick(l, SOURCES.pciBusId),
    device: pick(l, SOURCES.device),
    modelName: pick(l, SOURCES.modelName),
    hostname: pick(l, SOURCES.hostname),
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

  // A source label is dropped once its column holds the same information (the winner, an equal
  // duplicate, or an empty value); a losing label with a different value is kept so the conflict
  // stays visible instead of silently vanishing. Null prototype for the same reason as the parser's.
  const rest: Record<string, string> = Object.create(null);
  for (const name of Object.keys(l)) {
    const value = l[name] as string;
    const field = FIELD_OF_LABEL.get(name);
    if (field === undefined || (value !== '' && value !== typed[field])) rest[name] = value;
  }

  return {
    tsMs: sample.timestampMs ?? opts.nowMs,
    metric: sample.name,
    metricType: family.type,
    value: isDcgmBlank(sample.raw, sample.value) ? null : sample.value,
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

/** One GpuSample per sample of every family, in input order; DCGM blank sentinels become value null. Never throws. */
export function toGpuSamples(families: readonly MetricFamily[], opts: ToGpuSamplesOptions): GpuSample[] {
  const rows: GpuSample[] = [];
  for (const family of families) {
    for (const sample of family.samples) rows.push(toGpuSample(family, sample, opts));
  }
  return rows;
}
