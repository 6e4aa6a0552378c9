// A small fleet whose costs were worked out by hand (see EXPECTED_BY_TEAM): 4 hours, samples every
// minute, a price change at 02:00, a pod move at 01:30, a one-hour scrape gap, two MIG instances.
//
//  GPU-A  H100, node n1, fraud-detector pod all along, GR_ENGINE_ACTIVE 0.6 (GPU_UTIL 80 is ignored)
//         120 min at $1.20/h + 120 min at $1.80/h = 2.40 + 3.60 = $6.00; busy 60% = $3.60
//  GPU-B  H100, node n1, eta-regressor pod until 01:30 (GPU_UTIL 50, no GR field), then notebook pod (GPU_UTIL 2)
//         eta: 90 min at $1.20/h = $1.80, busy $0.90; notebook: 30 min at $1.20/h + 120 min at $1.80/h = $4.20, all idle
//  GPU-C  H100, node n2, no pod, no samples from 01:00 to 01:59: the 00:59 sample covers 2 min (the cap),
//         so 61 min at $1.20/h + 120 min at $1.80/h = 1.22 + 3.60 = $4.82; 59 min unobserved
//  GPU-D  A100 at $2.10/h, node n2, MIG: 3g.40gb (3/7 = $0.90/h) held by a fraud-detector pod at GR 0.5 = $3.60,
//         and 1g.10gb (1/7 = $0.30/h) without a pod = $1.20
// Fleet: $21.62. The previous 4 hours hold only GPU-A (fraud, $1.20/h): $4.80.
//
// Pod labels, as dcgm-exporter --kubernetes-enable-pod-labels writes them (names sanitised:
// app.kubernetes.io/part-of -> app_kubernetes_io_part_of), beside a label that is no pod label:
//  fraud pods (GPU-A, GPU-D 3g)  part-of=fraud; component=inference on GPU-A's pod, training on GPU-D's
//  eta pod                       part-of=eta, component=inference
//  notebook pod                  part-of=notebooks, no component label
// The research team is found by that label (teams.rules), not by namespace. So by component:
//  inference $6.00 + $1.80 = $7.80, training $3.60, (unlabelled) notebook $4.20, (unallocated) $6.02.

import type { CostConfigInput } from '../config.js';
import type { GpuReading } from '../usage.js';

export const T0 = Date.parse('2026-11-20T00:00:00Z');
const MIN = 60_000;
export const HOUR = 3_600_000;
/** The fixture has fixed, hand-computed dates: keep them inside the tables' retention for ten years (a TTL past 2106 would overflow DateTime). */
export const FIXTURE_RETENTION = { predictions: 3_650, labels: 3_650, pipelineEvents: 3_650, gpuSamples: 3_650, deadLetters: 3_650 };
export const H100 = 'NVIDIA H100 80GB HBM3';
export const A100 = 'NVIDIA A100-SXM4-80GB';

export const FLEET_COST_CONFIG: CostConfigInput = {
  prices: [
    { gpuModel: H100, perHour: 1.2, to: new Date(T0 + 2 * HOUR).toISOString() },
    { gpuModel: H100, perHour: 1.8, from: new Date(T0 + 2 * HOUR).toISOString() },
    { gpuModel: A100, perHour: 2.1 },
  ],
  maxSampleIntervalMs: '2m',
  idleUtilisationThreshold: 0.05,
  teams: {
    byNamespace: { 'team-fraud': 'fraud', 'team-eta': 'eta' },
    rules: [{ team: 'research', labels: { 'app.kubernetes.io/part-of': 'notebooks' } }],
  },
  models: [
    { model: 'fraud-detector', deployment: 'fraud-detector' },
    { model: 'eta-regressor', namespace: 'team-eta', pod: '^eta-regressor-' },
  ],
};

interface Unit {
  hostname: string;
  uuid: string;
  gpu: string;
  modelName: string;
  gpuIProfile?: string;
  gpuIId?: string;
}
const A: Unit = { hostname: 'n1', uuid: 'GPU-A', gpu: '0', modelName: H100 };
const B: Unit = { hostname: 'n1', uuid: 'GPU-B', gpu: '1', modelName: H100 };
const C: Unit = { hostname: 'n2', uuid: 'GPU-C', gpu: '0', modelName: H100 };
const D1: Unit = { hostname: 'n2', uuid: 'GPU-D', gpu: '1', modelName: A100, gpuIProfile: '3g.40gb', gpuIId: '1' };
const D2: Unit = { hostname: 'n2', uuid: 'GPU-D', gpu: '1', modelName: A100, gpuIProfile: '1g.10gb', gpuIId: '2' };

const DRIVER = { DCGM_FI_DRIVER_VERSION: '550.54.15' };
const FRAUD_A = { namespace: 'team-fraud', pod: 'fraud-detector-7d4b9c-x2k8p', labels: { ...DRIVER, app_kubernetes_io_part_of: 'fraud', app_kubernetes_io_component: 'inference' } };
const FRAUD_D = { namespace: 'team-fraud', pod: 'fraud-detector-7d4b9c-q9w7e', labels: { ...DRIVER, app_kubernetes_io_part_of: 'fraud', app_kubernetes_io_component: 'training' } };
const ETA = { namespace: 'team-eta', pod: 'eta-regressor-5f7b9-abcde', labels: { ...DRIVER, app_kubernetes_io_part_of: 'eta', app_kubernetes_io_component: 'inference' } };
const NOTEBOOK = { namespace: 'team-research', pod: 'notebook-alice-0', labels: { ...DRIVER, app_kubernetes_io_part_of: 'notebooks' } };
const NONE = { namespace: '', pod: '', labels: { ...DRIVER } };

function reading(u: Unit, alloc: { namespace: string; pod: string; labels: Record<string, string> }, tsMs: number, metric: string, value: number | null): GpuReading {
  return { tsMs, metric, value, hostname: u.hostname, uuid: u.uuid, gpuIId: u.gpuIId ?? '', gpuIProfile: u.gpuIProfile ?? '', modelName: u.modelName, ...alloc };
}

/** The fleet's readings, minute by minute: the window [T0, T0 + 4h) and GPU-A over the 4 hours before. */
export function fleetReadings(): GpuReading[] {
  const out: GpuReading[] = [];
  for (let k = -240; k < 240; k++) {
    const t = T0 + k * MIN;
    out.push(reading(A, FRAUD_A, t, 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', 0.6), reading(A, FRAUD_A, t, 'DCGM_FI_DEV_GPU_UTIL', 80));
    if (k < 0) continue;
    out.push(k < 90 ? reading(B, ETA, t, 'DCGM_FI_DEV_GPU_UTIL', 50) : reading(B, NOTEBOOK, t, 'DCGM_FI_DEV_GPU_UTIL', 2));
    if (k < 60 || k >= 120) out.push(reading(C, NONE, t, 'DCGM_FI_DEV_GPU_UTIL', 0));
    // MIG instances have no GPU_UTIL: DCGM reports it blank.
    out.push(reading(D1, FRAUD_D, t, 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', 0.5), reading(D1, FRAUD_D, t, 'DCGM_FI_DEV_GPU_UTIL', null));
    out.push(reading(D2, NONE, t, 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', 0));
    out.push(reading(C, NONE, t, 'DCGM_FI_DEV_FB_USED', 1234));
  }
  return out;
}

const BLANK = '9223372036854775794';
const UNITS = [A, B, C, D1, D2];

/** The readings as one DCGM exporter exposition with explicit timestamps, families grouped as the format requires. */
export function toExposition(readings: readonly GpuReading[]): string {
  const families = new Map<string, string[]>();
  for (const r of readings) {
    const u = UNITS.find((x) => x.uuid === r.uuid && (x.gpuIId ?? '') === r.gpuIId)!;
    const mig = r.gpuIId ? `,GPU_I_PROFILE="${r.gpuIProfile}",GPU_I_ID="${r.gpuIId}"` : '';
    const extra = Object.entries(r.labels ?? {}).map(([k, v]) => `,${k}="${v}"`).join('');
    const labels = `gpu="${u.gpu}",UUID="${r.uuid}",modelName="${r.modelName}",Hostname="${r.hostname}"${mig},container="${r.pod ? 'main' : ''}",namespace="${r.namespace}",pod="${r.pod}"${extra}`;
    const lines = families.get(r.metric) ?? [];
    lines.push(`${r.metric}{${labels}} ${r.value === null ? BLANK : r.value} ${r.tsMs}`);
    families.set(r.metric, lines);
  }
  return [...families].map(([m, lines]) => `# TYPE ${m} gauge\n${lines.join('\n')}\n`).join('');
}

type Expected = Record<string, { gpuHours: number; allocatedGpuHours: number; busyGpuHours: number; idleGpuHours: number; cost: number; busyCost: number; idleCost: number }>;

/** Worked out by hand from the comment above; hours rounded to 6 places. */
export const EXPECTED_BY_TEAM: Expected = {
  // GPU-A 4 h + GPU-D 3g 4 h x 3/7; busy 0.6 x 4 + 0.5 x 12/7
  fraud: { gpuHours: 5.714286, allocatedGpuHours: 5.714286, busyGpuHours: 3.257143, idleGpuHours: 0, cost: 9.6, busyCost: 5.4, idleCost: 0 },
  '(unallocated)': { gpuHours: 3.588095, allocatedGpuHours: 0, busyGpuHours: 0, idleGpuHours: 0, cost: 6.02, busyCost: 0, idleCost: 0 },
  research: { gpuHours: 2.5, allocatedGpuHours: 2.5, busyGpuHours: 0.05, idleGpuHours: 2.5, cost: 4.2, busyCost: 0.08, idleCost: 4.2 },
  eta: { gpuHours: 1.5, allocatedGpuHours: 1.5, busyGpuHours: 0.75, idleGpuHours: 0, cost: 1.8, busyCost: 0.9, idleCost: 0 },
};
export const EXPECTED_TOTAL = { gpuHours: 13.302381, allocatedGpuHours: 9.714286, busyGpuHours: 4.057143, idleGpuHours: 2.5, cost: 21.62, busyCost: 6.38, idleCost: 4.2 };
export const EXPECTED_COST_BY = {
  node: { n1: 12, n2: 9.62 },
  gpu_model: { [H100]: 16.82, [A100]: 4.8 },
  model: { 'fraud-detector': 9.6, '(unallocated)': 6.02, '(unmapped)': 4.2, 'eta-regressor': 1.8 },
  'label:app.kubernetes.io/part-of': { fraud: 9.6, '(unallocated)': 6.02, notebooks: 4.2, eta: 1.8 },
  'label:app.kubernetes.io/component': { inference: 7.8, '(unallocated)': 6.02, '(unlabelled)': 4.2, training: 3.6 },
};
/** Worked out by hand from the comment above: every column of the groups by pod label app.kubernetes.io/component. */
export const EXPECTED_BY_COMPONENT: Expected = {
  // GPU-A 4 h at 0.6 + eta 1.5 h at 0.5
  inference: { gpuHours: 5.5, allocatedGpuHours: 5.5, busyGpuHours: 3.15, idleGpuHours: 0, cost: 7.8, busyCost: 4.5, idleCost: 0 },
  '(unallocated)': { gpuHours: 3.588095, allocatedGpuHours: 0, busyGpuHours: 0, idleGpuHours: 0, cost: 6.02, busyCost: 0, idleCost: 0 },
  '(unlabelled)': { gpuHours: 2.5, allocatedGpuHours: 2.5, busyGpuHours: 0.05, idleGpuHours: 2.5, cost: 4.2, busyCost: 0.08, idleCost: 4.2 },
  // GPU-D 3g: 4 h x 3/7 = 12/7 h at 0.5
  training: { gpuHours: 1.714286, allocatedGpuHours: 1.714286, busyGpuHours: 0.857143, idleGpuHours: 0, cost: 3.6, busyCost: 1.8, idleCost: 0 },
};
/** GPU-C's gap: 01:01 to 02:00. */
export const EXPECTED_UNOBSERVED_HOURS = 0.983333;
