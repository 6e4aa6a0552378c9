import { z } from 'zod';
import { P_VALUE_METHODS as CONTRACT_P_VALUE_METHODS } from '../core/contracts/drift-results.js';
import { durationMs as lengthMs, positiveDurationMs as durationMs, timestampMs } from '../core/schemas/common.js';
import { windowError } from '../core/time.js';

/** The drift methods a report can compute; see README.md "Methods". */
export const DRIFT_METHODS = ['ks', 'wasserstein', 'psi', 'js', 'chi2'] as const;
export type DriftMethod = (typeof DRIFT_METHODS)[number];
export const MULTIVARIATE_METHODS = ['pca_error', 'mmd'] as const;
export const EMBEDDING_METHODS = ['mmd', 'distance', 'ratio'] as const;
/** Methods whose decision is a p-value below the threshold (the others: a distance at or above it). */
export const P_VALUE_METHODS = CONTRACT_P_VALUE_METHODS as ReadonlySet<DriftMethod | string>;

// A number is a fixed threshold; 'learned' derives it from chunks of the reference (NannyML style).
const threshold = z.union([z.number().positive().finite(), z.literal('learned')]);
export type ThresholdSpec = z.infer<typeof threshold>;

// p-value methods keep a fixed significance level (as NannyML does); only distances can be learned.
const pThreshold = z.number().gt(0).lt(1);
const thresholds = z
  .object({
    ks: pThreshold.default(0.05),
    chi2: pThreshold.default(0.05),
    wasserstein: threshold.default(0.1),
    psi: threshold.default(0.1),
    js: threshold.default(0.1),
  })
  .strict();

const methodList = z.array(z.enum([...DRIFT_METHODS, 'auto'])).min(1);

export const referenceSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('window'), from: timestampMs, to: timestampMs }).strict(),
  // The reference is the current window moved back by `offset` (e.g. 7d: the same hours of last week).
  z.object({ type: z.literal('rolling'), offset: durationMs }).strict(),
  z.object({ type: z.literal('upload') }).strict(),
  // Another model_version: over the current window (canary, shadow) unless from/to give a stored window of it.
  z.object({ type: z.literal('version'), version: z.string().min(1).max(128), from: timestampMs.optional(), to: timestampMs.optional() }).strict(),
  // The version that held a registry alias (MLflow `champion`) before its current holder, over the
  // time it held it (reference/alias.ts); `last` keeps only the end of that window.
  z.object({ type: z.literal('alias'), alias: z.string().min(1).max(256), last: durationMs.optional() }).strict(),
]);
export type ReferenceSpec = z.infer<typeof referenceSpecSchema>;

const featureOverride = z
  .object({
    method: z.enum(DRIFT_METHODS).optional(),
    threshold: threshold.optional(),
    weight: z.number().nonnegative().finite().optional(),
  })
  .strict();
export type FeatureOverride = z.infer<typeof featureOverride>;

const modelSchema = z
  .object({
    model: z.string().min(1),
    reference: referenceSpecSchema.optional(),
    methods: methodList.optional(),
    thresholds: thresholds.partial().optional(),
    /** Keyed by feature name, or `@prediction`, `@score`, `@label`. */
    features: z.record(z.string(), featureOverride).default({}),
    task: z.enum(['classification', 'regression']).optional(),
    positiveClass: z.string().optional(),
    /**
     * CBPE (quality estimated without labels, quality/estimate.ts): the minimum of each estimated
     * metric; a scheduled window whose estimate falls below it is a drifted `@estimated` row, which
     * alerting reads like any drift signal.
     */
    estimated: z
      .object({
        minimum: z
          .object({ accuracy: z.number().min(0).max(1), precision: z.number().min(0).max(1), recall: z.number().min(0).max(1), f1: z.number().min(0).max(1), roc_auc: z.number().min(0).max(1) })
          .partial()
          .strict()
          .default({}),
      })
      .strict()
      .optional(),
    schedule: z
      .object({
        every: durationMs,
        /** Length of the evaluated window, ending at the last multiple of `every`; defaults to `every`. */
        window: durationMs.optional(),
        /** This model's allowed lateness: overrides `drift.schedule.allowedLatenessMs` (see there). */
        delay: lengthMs.optional(),
        segments: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .optional(),
  })
  .strict();
export type DriftModelConfig = z.infer<typeof modelSchema>;

export const driftConfigSchema = z
  .object({
    methods: methodList.default(['auto']),
    thresholds: thresholds.prefault({}),
    /** Absolute change in the share of missing values that counts as drift on its own. */
    missingThreshold: z.number().min(0).max(1).default(0.05),
    /** Evidently's boundary: at most this many reference values → KS / chi-square, else Wasserstein / JS. */
    smallSampleMax: z.number().int().positive().default(1000),
    /** Numerical features with at most this many distinct values are tested as categories (Evidently: 5). */
    lowCardinalityMax: z.number().int().min(1).max(50).default(5),
    /** A side with fewer values than this gives "insufficient data" instead of a statistic. */
    minValues: z.number().int().positive().default(30),
    bins: z.number().int().min(2).max(100).default(10),
    maxCategories: z.number().int().min(2).max(10_000).default(1000),
    /**
     * Sparse categorical tables (stats/sparse.ts): categories expected fewer than `minExpected` times
     * on the smaller side are pooled into one cell (0: never); JS and PSI on categories alarm only
     * when the pooled table's chi-square p-value is below `noiseAlpha` too (0: no such condition).
     */
    sparse: z
      .object({ minExpected: z.number().min(0).max(1000).default(5), noiseAlpha: z.number().min(0).lt(1).default(0.01) })
      .strict()
      .prefault({}),
    /** Grid cells per feature for Wasserstein; more cells narrow the error bound (2·range/cells). */
    wassersteinCells: z.number().int().min(64).max(1 << 20).default(65536),
    /** Up to this many values (both sides) Wasserstein is computed exactly on the distinct values. */
    exactBelowValues: z.number().int().nonnegative().default(100_000),
    /** KS: cells per feature that may hold the maximum and are refined exactly; with more, ClickHouse's kolmogorovSmirnovTest sorts the samples. */
    ksRefineMaxCells: z.number().int().nonnegative().max(5000).default(5000),
    /** A report copies up to this many numeric values (both sides, all features; 11 bytes each) into an engine Memory table to read them once; 0: never. */
    materializeMaxValues: z.number().int().nonnegative().default(100_000_000),
    /**
     * Reference values one profile query holds for its exact quantiles (8–16 bytes each in the engine);
     * with more, the features are profiled in groups, one scan per group: this bounds the engine's memory.
     */
    profileMaxValues: z.number().int().positive().default(150_000_000),
    learned: z.object({ chunks: z.number().int().min(3).max(100).default(10), sigmas: z.number().positive().default(3) }).strict().prefault({}),
    dataset: z
      .object({
        share: z.number().gt(0).max(1).default(0.5),
        correction: z.enum(['none', 'bonferroni', 'bh']).default('none'),
      })
      .strict()
      .prefault({}),
    maxSegments: z.number().int().positive().max(200).default(20),
    /** Drift of the features taken together (README "Multivariate drift"); methods: [] turns it off. */
    multivariate: z
      .object({
        methods: z.array(z.enum(MULTIVARIATE_METHODS)).default([...MULTIVARIATE_METHODS]),
        /** PCA keeps the fewest components explaining more than this share of the reference's variance (NannyML: 0.65). */
        varianceShare: z.number().gt(0).lt(1).default(0.65),
        /** The PCA error's band: the reference chunks' mean ± sigmas·std. */
        sigmas: z.number().positive().default(3),
        chunks: z.number().int().min(3).max(100).default(10),
        /** Categorical features are one-hot encoded over this many of the reference's most frequent categories. */
        topCategories: z.number().int().min(1).max(100).default(10),
        /** At most this many columns (numerical first, by name, then one-hot); the PCA matrix is columns². */
        maxColumns: z.number().int().min(2).max(500).default(100),
        /**
         * pca_error reads at most about this many rows per side (a seeded sample by row hash beyond):
         * its cost is rows × columns² for Σzzᵀ and rows × columns × components for the errors (0: all rows).
         */
        maxRows: z.number().int().nonnegative().default(250_000),
      })
      .strict()
      .prefault({}),
    /** The kernel two-sample test of multivariate and embedding drift. */
    mmd: z
      .object({
        /** Rows sampled per side (seeded); the kernel matrix is (2·sampleSize)². */
        sampleSize: z.number().int().min(10).max(5000).default(500),
        permutations: z.number().int().min(1).max(10_000).default(100),
        seed: z.number().int().nonnegative().max(2 ** 32 - 1).default(0),
        threshold: pThreshold.default(0.05),
      })
      .strict()
      .prefault({}),
    /** Drift of the prediction events' `embeddings` (README "Embeddings"). */
    embeddings: z
      .object({
        methods: z.array(z.enum(EMBEDDING_METHODS)).default([...EMBEDDING_METHODS]),
        distance: z.enum(['euclidean', 'cosine']).default('euclidean'),
        sigmas: z.number().positive().default(3),
        chunks: z.number().int().min(3).max(100).default(10),
        /**
         * ratio: per-component KS at level alpha after the correction; drift when the drifted share >= threshold.
         * The KS tests run on a seeded sample of about sampleSize vectors a side (0: every vector): their cost is vectors × components.
         */
        ratio: z
          .object({
            alpha: pThreshold.default(0.05),
            correction: z.enum(['none', 'bonferroni', 'bh']).default('bh'),
            threshold: z.number().gt(0).max(1).default(0.2),
            sampleSize: z.number().int().min(0).default(20_000),
            seed: z.number().int().min(0).default(0),
          })
          .strict()
          .prefault({}),
        /** Grid cells per component for the KS statistic of `ratio` (D is evaluated at the cell bounds). */
        cells: z.number().int().min(16).max(65_536).default(1024),
      })
      .strict()
      .prefault({}),
    /** How scheduled evaluation waits for data to settle (README "Schedule"); per model, `schedule.delay` overrides the lateness. */
    schedule: z
      .object({
        /** The watermark: a window [from, to) is evaluated once now >= to + allowedLatenessMs, when events of it are expected to be in. */
        allowedLatenessMs: lengthMs.default(60_000),
        /** The last this-many evaluated windows of a model are re-evaluated when data of theirs arrives later still (0: never). */
        reevaluateLast: z.number().int().min(0).max(1000).default(24),
      })
      .strict()
      .prefault({}),
    models: z.array(modelSchema).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.models.forEach((m, i) => {
      if (seen.has(m.model)) ctx.addIssue({ code: 'custom', path: ['models', i, 'model'], message: `duplicate model ${m.model}` });
      seen.add(m.model);
      if (m.reference?.type === 'version' && (m.reference.from === undefined) !== (m.reference.to === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['models', i, 'reference'], message: 'a version reference takes both from and to, or neither' });
      }
      const reversed = m.reference?.type === 'window' || (m.reference?.type === 'version' && m.reference.from !== undefined) ? windowError(m.reference.from!, m.reference.to!) : null;
      if (reversed) ctx.addIssue({ code: 'custom', path: ['models', i, 'reference'], message: reversed });
    });
  });

export type DriftConfig = z.infer<typeof driftConfigSchema>;
