import { z } from 'zod';
import { finiteNumber, id, name, text, timestampMs, wellFormed } from './common.js';

const MAX_FEATURES = 2000;
const MAX_STRING = 4096;

const FEATURE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:\/-]*$/;

/**
 * Feature maps are the hot path of ingest: one hand-written pass over the keys is about five times
 * faster than zod's generic record-of-union, and it reports the same kind of path-qualified messages.
 */
export const featureMap = z
  .any()
  .superRefine((f, ctx) => {
    if (typeof f !== 'object' || f === null || Array.isArray(f)) {
      ctx.addIssue({ code: 'custom', message: 'must be an object of feature name to value' });
      return;
    }
    let n = 0;
    for (const k in f) {
      if (++n > MAX_FEATURES) {
        ctx.addIssue({ code: 'custom', message: `more than ${MAX_FEATURES} features` });
        return;
      }
      if (k.length > 128 || !FEATURE_NAME.test(k)) {
        ctx.addIssue({ code: 'custom', path: [k], message: 'feature name may hold only letters, digits and _ . : / - (at most 128, not starting with a symbol)' });
        continue;
      }
      const v = f[k];
      const t = typeof v;
      if (v === null || t === 'boolean' || (t === 'number' && Number.isFinite(v))) continue;
      if (t === 'string') {
        if (v.length > MAX_STRING) ctx.addIssue({ code: 'custom', path: [k], message: `longer than ${MAX_STRING} characters` });
        else if (!wellFormed(v)) ctx.addIssue({ code: 'custom', path: [k], message: 'holds a lone UTF-16 surrogate, which has no UTF-8 form' });
        continue;
      }
      ctx.addIssue({ code: 'custom', path: [k], message: 'feature value must be a finite number, a string, a boolean or null' });
    }
  }) as unknown as z.ZodType<Record<string, number | string | boolean | null>>;
const features = featureMap.default({});

/** Longest embedding accepted, and most embeddings per event. A name's dimension is fixed by its data: the drift report uses the reference's dimension and counts vectors of another length apart. */
export const MAX_EMBEDDING_DIM = 4096;
const MAX_EMBEDDINGS = 16;
/** `{ name: number[] }`, checked in one pass like the feature maps (hot path). */
export const embeddingMap = z
  .any()
  .superRefine((e, ctx) => {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) {
      ctx.addIssue({ code: 'custom', message: 'must be an object of embedding name to an array of numbers' });
      return;
    }
    const names = Object.keys(e);
    if (names.length > MAX_EMBEDDINGS) ctx.addIssue({ code: 'custom', message: `more than ${MAX_EMBEDDINGS} embeddings` });
    for (const k of names.slice(0, MAX_EMBEDDINGS)) {
      if (k.length > 128 || !FEATURE_NAME.test(k)) {
        ctx.addIssue({ code: 'custom', path: [k], message: 'embedding name may hold only letters, digits and _ . : / - (at most 128, not starting with a symbol)' });
        continue;
      }
      const v = e[k];
      if (!Array.isArray(v) || v.length === 0 || v.length > MAX_EMBEDDING_DIM) {
        ctx.addIssue({ code: 'custom', path: [k], message: `must be an array of 1 to ${MAX_EMBEDDING_DIM} finite numbers` });
        continue;
      }
      for (let i = 0; i < v.length; i++) {
        // Stored as Float32: a finite double beyond its range would become infinite.
        if (typeof v[i] !== 'number' || !Number.isFinite(v[i]) || Math.abs(v[i]) > 3.4e38) {
          ctx.addIssue({ code: 'custom', path: [k, i], message: 'embedding components must be finite numbers within Float32 range' });
          break;
        }
      }
    }
  }) as unknown as z.ZodType<Record<string, number[]>>;

/** Outcomes of a prediction; `no_response` is neither good nor bad for an SLO. */
export const PREDICTION_STATUSES = ['ok', 'error', 'timeout', 'no_response'] as const;

/** A model's prediction as sent by a serving system. */
export const predictionEvent = z
  .object({
    model: name('model'),
    model_version: text(128).default(''),
    prediction_id: id(),
    timestamp: timestampMs,
    features,
    /** Embeddings of the input or output (text, image, prompt), `{ name: number[] }`: drift per name (README "Embeddings"). */
    embeddings: embeddingMap.optional(),
    // null only for a request that got no output: status error, or no_response (below).
    prediction: z.union([finiteNumber, text(MAX_STRING), z.boolean()]).nullable(),
    score: finiteNumber.nullish(),
    latency_ms: finiteNumber.nonnegative().nullish(),
    // Time to first token (LLM serving), in ms.
    ttft_ms: finiteNumber.nonnegative().nullish(),
    // no_response: a request whose response never came (e.g. KServe's logger lost it, or does not log
    // a failed call); SLOs count it as neither good nor bad (alerting/slo/sli.ts).
    status: z.enum(PREDICTION_STATUSES).default('ok'),
    segments: z.record(name('segment name'), text(256)).refine((s) => Object.keys(s).length <= 32, 'more than 32 segments').default({}),
  })
  .strict()
  .refine((p) => p.prediction !== null || p.status === 'error' || p.status === 'no_response', { path: ['prediction'], message: 'prediction may be null only when status is error or no_response' });
export type PredictionEvent = z.infer<typeof predictionEvent>;

/** Ground truth that arrives after the prediction, joined by prediction_id. */
export const labelEvent = z
  .object({
    model: name('model'),
    prediction_id: id(),
    timestamp: timestampMs,
    label: z.union([finiteNumber, text(MAX_STRING), z.boolean()]),
  })
  .strict();
export type LabelEvent = z.infer<typeof labelEvent>;

/**
 * A run-level (no task) or task-level status change of a data/ML pipeline. `heartbeat` is not a
 * status change: the run (or task) was seen alive at `timestamp` (OpenLineage RUNNING and OTHER).
 * Whoever derives a run's status skips heartbeats; none of them makes a pipeline fresh.
 */
export const pipelineEvent = z
  .object({
    // Producers that retry should send a stable event_id so that a resend is stored once.
    event_id: id().optional(),
    pipeline: name('pipeline'),
    run_id: id(),
    task: text(256).default(''),
    status: z.enum(['started', 'succeeded', 'failed', 'skipped', 'heartbeat']),
    timestamp: timestampMs,
    started_at: timestampMs.nullish(),
    finished_at: timestampMs.nullish(),
    // The time the run was scheduled for (OpenLineage's nominal-time facet), e.g. an Airflow data interval.
    nominal_start: timestampMs.nullish(),
    nominal_end: timestampMs.nullish(),
    duration_ms: finiteNumber.nonnegative().nullish(),
    rows_in: z.number().int().nonnegative().nullish(),
    rows_out: z.number().int().nonnegative().nullish(),
    error: text(MAX_STRING).default(''),
  })
  .strict();
export type PipelineEvent = z.infer<typeof pipelineEvent>;

const labelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a Prometheus label name');
/** One DCGM reading as it travels on the bus (snake_case twin of GpuSample). */
export const gpuSampleEvent = z
  .object({
    timestamp: timestampMs,
    metric: z.string().regex(/^[A-Za-z_:][A-Za-z0-9_:]*$/, 'not a Prometheus metric name').max(200),
    metric_type: z.enum(['gauge', 'counter', 'histogram', 'summary', 'untyped']).default('untyped'),
    // null: DCGM could not read the field. NaN and ±Inf travel as the strings "NaN", "+Inf", "-Inf".
    value: z.union([z.number(), z.enum(['NaN', '+Inf', '-Inf']), z.null()]),
    hostname: text(256).default(''),
    gpu: text(64).default(''),
    uuid: text(128).default(''),
    pci_bus_id: text(64).default(''),
    device: text(64).default(''),
    model_name: text(256).default(''),
    gpu_i_profile: text(64).default(''),
    gpu_i_id: text(64).default(''),
    namespace: text(256).default(''),
    pod: text(256).default(''),
    container: text(256).default(''),
    labels: z.record(labelName, text(1024)).default({}),
    source: text(512).default(''),
  })
  .strict();
export type GpuSampleEvent = z.infer<typeof gpuSampleEvent>;

/** An input that could not be stored, kept with its raw payload and the reason. */
export const deadLetterEvent = z
  .object({
    id: z.string().min(1),
    kind: z.string(),
    source: z.string(),
    reason: z.string(),
    error: z.string(),
    payload: z.string(),
    received_at: timestampMs,
  })
  .strict();
export type DeadLetterEvent = z.infer<typeof deadLetterEvent>;
