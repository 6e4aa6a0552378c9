import type { Hit, RuleCheck, RuleContext } from './types.js';
import { isoOf } from './types.js';

const gpuLabels = (r: Record<string, any>) => ({ hostname: r.hostname, gpu: r.gpu, uuid: r.uuid, ...(r.gpu_i_id ? { gpu_i_id: r.gpu_i_id } : {}) });
const gpuName = (r: Record<string, any>) => `GPU ${r.gpu}${r.gpu_i_id ? ` (MIG ${r.gpu_i_id})` : ''} on ${r.hostname}`;

/** The latest value of one DCGM field per GPU within the lookback. Duplicates do not change a latest value, so no FINAL. */
async function latest(ctx: RuleContext, metric: string, lookbackMs: number): Promise<Record<string, any>[]> {
  return ctx.query(
    `SELECT hostname, gpu, uuid, gpu_i_id, argMax(value, ts) AS v, toUnixTimestamp64Milli(max(ts)) AS at
     FROM ${ctx.store.database}.gpu_samples
     WHERE metric = {metric:String} AND value IS NOT NULL AND ts > fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({now:Int64})
     GROUP BY hostname, gpu, uuid, gpu_i_id`,
    { metric, from: ctx.now - lookbackMs, now: ctx.now },
  );
}

const OPS: Record<string, (a: number, b: number) => boolean> = { '>': (a, b) => a > b, '>=': (a, b) => a >= b, '<': (a, b) => a < b, '<=': (a, b) => a <= b };

export const gpuXid: RuleCheck<'gpu_xid'> = async (rule, ctx) => {
  const rows = await ctx.query<Record<string, any>>(
    `SELECT hostname, gpu, uuid, gpu_i_id, argMax(value, ts) AS v, toUnixTimestamp64Milli(max(ts)) AS at
     FROM ${ctx.store.database}.gpu_samples
     WHERE metric = 'DCGM_FI_DEV_XID_ERRORS' AND value > 0 AND ts > fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({now:Int64})
     GROUP BY hostname, gpu, uuid, gpu_i_id`,
    { from: ctx.now - rule.lookbackMs, now: ctx.now },
  );
  return rows.map((r) => ({
    labels: gpuLabels(r),
    value: Number(r.v),
    summary: `XID error ${r.v} on ${gpuName(r)}`,
    why: `${gpuName(r)} reported XID ${r.v} at ${isoOf(Number(r.at))} (see NVIDIA's XID catalogue for the meaning of the code)`,
  }));
};

export const gpuTemperature: RuleCheck<'gpu_temperature'> = async (rule, ctx) =>
  (await latest(ctx, 'DCGM_FI_DEV_GPU_TEMP', rule.lookbackMs))
    .filter((r) => Number(r.v) >= rule.thresholdC)
    .map((r) => ({ labels: gpuLabels(r), value: Number(r.v), summary: `${gpuName(r)} is hot`, why: `${gpuName(r)} at ${r.v} °C (limit ${rule.thresholdC} °C) at ${isoOf(Number(r.at))}` }));

export const gpuMemory: RuleCheck<'gpu_memory'> = async (rule, ctx) => {
  const rows = await ctx.query<Record<string, any>>(
    `SELECT hostname, gpu, uuid, gpu_i_id, argMaxIf(value, ts, metric = 'DCGM_FI_DEV_FB_USED') AS used, argMaxIf(value, ts, metric = 'DCGM_FI_DEV_FB_FREE') AS free
     FROM ${ctx.store.database}.gpu_samples
     WHERE metric IN ('DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_FB_FREE') AND value IS NOT NULL AND ts > fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({now:Int64})
     GROUP BY hostname, gpu, uuid, gpu_i_id`,
    { from: ctx.now - rule.lookbackMs, now: ctx.now },
  );
  const hits: Hit[] = [];
  for (const r of rows) {
    const used = Number(r.used);
    const total = used + Number(r.free);
    if (!(total > 0) || used / total < rule.thresholdRatio) continue;
    hits.push({ labels: gpuLabels(r), value: used / total, summary: `${gpuName(r)} memory nearly full`, why: `${gpuName(r)} uses ${used} of ${total} MiB framebuffer (${((100 * used) / total).toFixed(1)} %, limit ${rule.thresholdRatio * 100} %)` });
  }
  return hits;
};

export const gpuMetric: RuleCheck<'gpu_metric'> = async (rule, ctx) =>
  (await latest(ctx, rule.metric, rule.lookbackMs))
    .filter((r) => OPS[rule.op]!(Number(r.v), rule.value))
    .map((r) => ({ labels: gpuLabels(r), value: Number(r.v), summary: `${rule.metric} ${rule.op} ${rule.value} on ${gpuName(r)}`, why: `${gpuName(r)}: ${rule.metric} = ${r.v} at ${isoOf(Number(r.at))}` }));

/** GPUs held by a pod whose utilisation stayed under the threshold across the whole duration. */
export const gpuIdle: RuleCheck<'gpu_idle'> = async (rule, ctx) => {
  const rows = await ctx.query<Record<string, any>>(
    `SELECT hostname, gpu, uuid, gpu_i_id, namespace, pod, max(value) AS peak, avg(value) AS mean,
            toUnixTimestamp64Milli(min(ts)) AS first, toUnixTimestamp64Milli(max(ts)) AS last
     FROM ${ctx.store.database}.gpu_samples
     WHERE metric = 'DCGM_FI_DEV_GPU_UTIL' AND pod != '' AND value IS NOT NULL
       AND ts > fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({now:Int64})
     GROUP BY hostname, gpu, uuid, gpu_i_id, namespace, pod`,
    { from: ctx.now - rule.durationMs, now: ctx.now },
  );
  // The samples must span (nearly) the whole duration: a pod that just started is not idle yet.
  return rows
    .filter((r) => Number(r.peak) < rule.utilizationBelow && Number(r.last) - Number(r.first) >= 0.9 * rule.durationMs)
    .map((r) => ({
      labels: { ...gpuLabels(r), namespace: r.namespace, pod: r.pod },
      value: Number(r.mean),
      summary: `${gpuName(r)} allocated to ${r.namespace}/${r.pod} is idle`,
      why: `utilisation at most ${r.peak} % (mean ${Number(r.mean).toFixed(1)} %) for ${Math.round(rule.durationMs / 60_000)} min, under ${rule.utilizationBelow} %`,
    }));
};
