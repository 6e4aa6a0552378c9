/**
 * The drift report as the API returns it (snake_case JSON). Every number is finite or null:
 * a statistic that cannot be computed is null with a status and a message saying why, never NaN.
 */
import type { DriftMethod } from '../config.js';
import type { ValueType } from '../engine/collect.js';

export type { DriftMethod, ValueType };

/** `feature` for model inputs; the pseudo-features `@prediction`, `@score`, `@label` have their own kinds. */
export type FeatureKind = 'feature' | 'prediction' | 'score' | 'label';

export type MethodStatus = 'ok' | 'insufficient_data' | 'not_applicable' | 'degenerate';

/** One method's outcome for one feature. */
export interface MethodResult {
  method: DriftMethod;
  status: MethodStatus;
  message: string | null;
  statistic: number | null;
  p_value: number | null;
  /** The p-value after the data-set correction (Bonferroni / BH), when one is configured. */
  p_adjusted: number | null;
  threshold: number | null;
  threshold_source: 'fixed' | 'learned';
  drifted: boolean | null;
  details: Record<string, unknown>;
}

export type FeatureStatus = 'ok' | 'insufficient_data' | 'type_changed' | 'missing_in_reference' | 'missing_in_current';

export interface SideSummary {
  rows: number;
  /** Non-null values of the feature's type. */
  values: number;
  /** Rows where the feature is null or absent. */
  missing: number;
  missing_share: number | null;
  type: ValueType | null;
  /** Values of the other type (numbers in a categorical feature or vice versa), left out of the statistics. */
  other_type_values: number;
}

/** Missingness as a signal of its own: the absolute change of the missing share. */
export interface MissingSignal {
  reference_share: number;
  current_share: number;
  delta: number;
  threshold: number;
  drifted: boolean;
}

export interface FeatureReport {
  feature: string;
  kind: FeatureKind;
  type: ValueType | null;
  status: FeatureStatus;
  message: string | null;
  drifted: boolean | null;
  /** What decided `drifted`: a method, the missingness signal, or the type change. */
  decided_by: DriftMethod | 'missing' | 'type' | null;
  weight: number;
  reference: SideSummary;
  current: SideSummary;
  missing: MissingSignal | null;
  results: MethodResult[];
  /** Categories in the current window but not in the reference, most frequent first (at most maxCategories). */
  unseen_categories?: string[];
  categories_truncated?: boolean;
}

export interface DatasetVerdict {
  drifted: boolean | null;
  /** Weighted share of drifted input features among those with a verdict. */
  drifted_share: number | null;
  share_threshold: number;
  features_evaluated: number;
  features_drifted: number;
  /** Input features without a verdict (insufficient data on both signals). */
  features_skipped: string[];
  correction: 'none' | 'bonferroni' | 'bh';
}

export interface ReferenceDescription {
  type: 'window' | 'rolling' | 'upload' | 'version' | 'alias';
  from?: string;
  to?: string;
  offset_ms?: number;
  version?: string;
  /** `alias`: the alias, and the version holding it at the window's end (null once it was deleted). */
  alias?: string;
  holder?: string | null;
  rows: number;
}

/** A method over whole vectors (multivariate or embedding drift). */
export interface VectorMethodResult {
  method: 'pca_error' | 'mmd' | 'distance' | 'ratio';
  status: MethodStatus;
  message: string | null;
  /** pca_error: the current mean reconstruction error; mmd: MMD²; distance: the distance; ratio: the drifted share. */
  statistic: number | null;
  p_value: number | null;
  /** Upper threshold (pca_error: the band's top; mmd: the significance level). */
  threshold: number | null;
  /** pca_error only: the band's bottom (an error below it is drift too). */
  threshold_lower: number | null;
  drifted: boolean | null;
  details: Record<string, unknown>;
}

export interface MultivariateReport {
  feature: '@multivariate';
  /** The standardised columns: numerical features, then `feature=category` one-hot columns. */
  columns: string[];
  imputation: string;
  /** Present when a side held more than `multivariate.maxRows` rows: pca_error read a seeded sample of about that many rows per side. */
  sampled?: { max_rows: number; seed: number };
  results: VectorMethodResult[];
}

export interface EmbeddingReport {
  /** `@embedding:<name>` */
  feature: string;
  name: string;
  dimension: number | null;
  reference: { rows: number; other_dimension: number };
  current: { rows: number; other_dimension: number };
  results: VectorMethodResult[];
}

export interface DriftReport {
  model: string;
  /** `version`: the current side holds only predictions of this model_version. */
  window: { from: string; to: string; rows: number; version?: string };
  reference: ReferenceDescription;
  segment: { name: string; value: string } | null;
  methods: string[];
  dataset: DatasetVerdict;
  features: FeatureReport[];
  /** Drift of the input features together (null when turned off). */
  multivariate?: MultivariateReport | null;
  /** Drift of each embedding the predictions carry. */
  embeddings?: EmbeddingReport[];
  /** Report-level problems (empty window, empty reference), in words. */
  problems: string[];
  /** Per-value reports when a segment label was asked for. */
  segments?: { name: string; values: DriftReport[] };
  elapsed_ms: number;
}
