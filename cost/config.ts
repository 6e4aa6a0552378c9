import { z } from 'zod';
import { positiveDurationMs as durationMs } from '../core/schemas/common.js';

// Kept local rather than imported from core/config.ts, which imports this file.

const price = z
  .number({ error: (i) => `must be a number (price per GPU-hour), got ${JSON.stringify(i.input)}` })
  .min(0, 'must not be negative');

// Epoch milliseconds are accepted too, so that a parsed config validates again unchanged.
const instant = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `not an ISO 8601 time: ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return ms;
});

const regex = z.string().min(1).superRefine((v, ctx) => {
  try {
    new RegExp(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(e as Error).message}` });
  }
});

/** Which pods a rule covers: every given condition must hold. */
const podMatcher = {
  namespace: z.string().min(1).optional(),
  /** Regular expression over the pod name. */
  pod: regex.optional(),
  /** A Deployment's name: matches its pods, named `<deployment>-<replicaset hash>-<suffix>`. */
  deployment: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a Kubernetes object name').optional(),
  /** Pod labels that must all have these values, keyed as in Kubernetes (`app.kubernetes.io/part-of`) or as on the series (`app_kubernetes_io_part_of`). */
  labels: z
    .record(z.string().regex(/^[A-Za-z0-9_./-]+$/, 'must be a pod label key'), z.string().min(1, 'must not be empty: an empty label is no label'))
    .refine((l) => Object.keys(l).length > 0, 'needs at least one label')
    .optional(),
};
const needsCondition = (r: { namespace?: string; pod?: string; deployment?: string; labels?: object }) => Boolean(r.namespace || r.pod || r.deployment || r.labels);

/** The `cost` section of the config: prices, idle threshold, sample cap, team and model mapping. */
export const costConfigSchema = z
  .object({
    currency: z.string().min(1).max(8).default('USD'),
    prices: z
      .array(
        z
          .object({
            /** The GPU model name exactly as DCGM reports it (modelName label). */
            gpuModel: z.string().min(1),
            perHour: price,
            from: instant.optional(),
            to: instant.optional(),
          })
          .strict()
          .refine((p) => p.from === undefined || p.to === undefined || p.to > p.from, { message: 'to must be after from', path: ['to'] }),
      )
      .default([]),
    /** Price for GPU models (or times) no entry of `prices` covers; without it such GPUs make the report fail. */
    defaultPerHour: price.optional(),
    idleUtilisationThreshold: z.number().min(0).max(1).default(0.05),
    maxSampleIntervalMs: durationMs.default(60_000),
    /** How often complete hours are integrated into the hourly rollups reports read (rollup.ts). */
    rollupEveryMs: durationMs.default(60_000),
    teams: z
      .object({
        byNamespace: z.record(z.string().min(1), z.string().min(1)).default({}),
        /** Checked before byNamespace; the first matching rule wins. */
        rules: z
          .array(z.object({ team: z.string().min(1), ...podMatcher }).strict().refine(needsCondition, 'needs namespace, pod, deployment or labels'))
          .default([]),
      })
      .strict()
      .prefault({}),
    /** Pods serving a model (the `model` of its predictions); the first matching entry wins. */
    models: z
      .array(z.object({ model: z.string().min(1), ...podMatcher }).strict().refine(needsCondition, 'needs namespace, pod, deployment or labels'))
      .default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Overlapping ranges would make the price of an hour ambiguous.
    c.prices.forEach((a, i) => {
      c.prices.slice(0, i).forEach((b, j) => {
        if (a.gpuModel !== b.gpuModel) return;
        if ((a.from ?? -Infinity) < (b.to ?? Infinity) && (b.from ?? -Infinity) < (a.to ?? Infinity)) {
          ctx.addIssue({ code: 'custom', path: ['prices', i], message: `overlaps prices.${j} for ${JSON.stringify(a.gpuModel)}` });
        }
      });
    });
  });

export type CostConfig = z.infer<typeof costConfigSchema>;
export type CostConfigInput = z.input<typeof costConfigSchema>;
export type PriceEntry = CostConfig['prices'][number];
