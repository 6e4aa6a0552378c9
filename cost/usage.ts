import { gpuShare } from './mig.js';
import { priceAt, priceCuts, type PriceRow } from './prices.js';
import { GPU_UTIL, GR_ENGINE_ACTIVE } from './sql.js';

/** One GPU unit's use by one allocation within one price segment: a row of the `cost_gpu_usage` view. Hours are physical-GPU-hours (MIG share applied); null share or price makes the derived figures null. */
export interface UsageRow {
  hostname: string;
  uuid: string;
  gpuIId: string;
  modelName: string;
  gpuIProfile: string;
  gpuShare: number | null;
  namespace: string;
  pod: string;
  /** The pod's labels as its series carry them (see labels.ts); {} without a pod. */
  labels: Record<string, string>;
  segmentFromMs: number;
  segmentToMs: number;
  observedMs: number;
  perHour: number | null;
  gpuHours: number | null;
  busyGpuHours: number | null;
  idleGpuHours: number | null;
  cost: number | null;
  busyCost: number | null;
  idleCost: number | null;
}

/** One stored DCGM reading, as in `gpu_samples` (value null = DCGM blank). */
export interface GpuReading {
  tsMs: number;
  metric: string;
  value: number | null;
  hostname: string;
  uuid: string;
  gpuIId: string;
  gpuIProfile: string;
  modelName: string;
  namespace: string;
  pod: string;
  /** The series' other labels: pod labels among them when the exporter or the scraper attaches them. */
  labels?: Record<string, string>;
}

/** Window and rules for integration; toMs must already be clamped to "now". */
export interface IntegrateOptions {
  fromMs: number;
  toMs: number;
  maxIntervalMs: number;
  idleThreshold: number;
  prices: readonly PriceRow[];
}

interface Instant {
  t: number;
  first: GpuReading;
  gr: number | null;
  util: number | null;
}

const HOUR_MS = 3_600_000;

/**
 * The reference for `cost_gpu_usage`: integrates utilisation samples into usage rows. Each instant at
 * which a GPU unit reported a readable utilisation accounts for [t, min(next instant, t + cap)),
 * clipped to the window and split at price boundaries. Pure; no clock, no I/O.
 */
export function integrateUsage(readings: readonly GpuReading[], opts: IntegrateOptions): UsageRow[] {
  const byGpu = new Map<string, Map<number, Instant>>();
  for (const r of readings) {
    if ((r.metric !== GR_ENGINE_ACTIVE && r.metric !== GPU_UTIL) || r.value === null || !Number.isFinite(r.value)) continue;
    const gpu = JSON.stringify([r.hostname, r.uuid, r.gpuIId]);
    let instants = byGpu.get(gpu);
    if (!instants) byGpu.set(gpu, (instants = new Map()));
    let inst = instants.get(r.tsMs);
    if (!inst) instants.set(r.tsMs, (inst = { t: r.tsMs, first: r, gr: null, util: null }));
    if (r.metric === GR_ENGINE_ACTIVE) inst.gr ??= r.value;
    else inst.util ??= r.value;
  }

  const cuts = priceCuts(opts.prices, opts.fromMs, opts.toMs);
  const acc = new Map<string, { row: GpuReading; seg: number; observedMs: number; busyMs: number; lowMs: number }>();
  for (const instants of byGpu.values()) {
    const sorted = [...instants.values()].sort((a, b) => a.t - b.t);
    sorted.forEach((inst, i) => {
      const next = sorted[i + 1]?.t ?? Infinity;
      const start = Math.max(inst.t, opts.fromMs);
      const end = Math.min(next, inst.t + opts.maxIntervalMs, opts.toMs);
      if (end <= start) return;
      const util = Math.min(1, Math.max(0, inst.gr ?? inst.util! / 100));
      for (let j = 0; j + 1 < cuts.length; j++) {
        const piece = Math.min(end, cuts[j + 1]!) - Math.max(start, cuts[j]!);
        if (piece <= 0) continue;
        const r = inst.first;
        const key = JSON.stringify([r.hostname, r.uuid, r.gpuIId, r.namespace, r.pod, r.modelName, r.gpuIProfile, j]);
        let a = acc.get(key);
        if (!a) acc.set(key, (a = { row: r, seg: j, observedMs: 0, busyMs: 0, lowMs: 0 }));
        a.observedMs += piece;
        a.busyMs += piece * util;
        if (util < opts.idleThreshold) a.lowMs += piece;
      }
    });
  }

  return [...acc.values()].map(({ row: r, seg, observedMs, busyMs, lowMs }) => {
    const share = gpuShare(r.gpuIProfile, r.modelName);
    const perHour = priceAt(opts.prices, r.modelName, cuts[seg]!);
    const hours = (ms: number) => (share === null ? null : (ms * share) / HOUR_MS);
    const money = (h: number | null) => (h === null || perHour === null ? null : h * perHour);
    const gpuHours = hours(observedMs);
    const busyGpuHours = hours(busyMs);
    const idleGpuHours = hours(r.pod !== '' ? lowMs : 0);
    return {
      hostname: r.hostname,
      uuid: r.uuid,
      gpuIId: r.gpuIId,
      modelName: r.modelName,
      gpuIProfile: r.gpuIProfile,
      gpuShare: share,
      namespace: r.namespace,
      pod: r.pod,
      labels: r.pod !== '' ? { ...(r.labels ?? {}) } : {},
      segmentFromMs: cuts[seg]!,
      segmentToMs: cuts[seg + 1]!,
      observedMs,
      perHour,
      gpuHours,
      busyGpuHours,
      idleGpuHours,
      cost: money(gpuHours),
      busyCost: money(busyGpuHours),
      idleCost: money(idleGpuHours),
    };
  });
}
