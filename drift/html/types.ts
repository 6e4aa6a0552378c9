/**
 * What the HTML drift report is drawn from: the report JSON as the API returns it, plus the
 * distributions, the stored drift history and the quality metrics gathered over HTTP (collect.ts).
 * Plain data, so render.ts stays a pure function that tests can feed by hand.
 */
import type { QualityReport } from '../quality/quality.js';
import type { DriftReport } from '../report/types.js';

/** A numerical feature cut into bins shared by both sides; counts per bin. */
export interface HistogramData {
  type: 'histogram';
  /** Boundaries between bins (bins − 1 of them), ascending. */
  edges: number[];
  /** Outer ends of the axis; null where the outer bin is open-ended (PSI/JS quantile bins). */
  lo: number | null;
  hi: number | null;
  /** Values below `lo` / above `hi` were folded into the outer bins (extreme tails). */
  clipped: boolean;
  /** 'log': bins of equal width in log10 (a positive, right-skewed feature). */
  scale: 'linear' | 'log';
  reference: number[];
  current: number[];
  /** Where the bins come from: the report's own PSI/JS bins (reference quantiles) or equal-width bins queried for the page. */
  source: 'psi' | 'js' | 'sql';
}

/** Category (or exact-value) frequencies; the categories not listed add up to total − sum. */
export interface CategoryData {
  type: 'categories';
  /** Most frequent first (numerical exact values: ascending). */
  categories: { value: string; reference: number; current: number }[];
  referenceTotal: number;
  currentTotal: number;
  /** Whether the values are numbers shown one bar per exact value (low-cardinality numerical feature). */
  numeric: boolean;
}

export type Distribution = HistogramData | CategoryData;

/** One row of `drift_results` (or `drift_segment_results` for a one-segment report). */
export interface HistoryRow {
  windowStartMs: number;
  windowEndMs: number;
  feature: string;
  method: string;
  value: number | null;
  threshold: number | null;
  drifted: boolean | null;
  status: string;
}

export interface DriftHtmlInput {
  report: DriftReport;
  /** Keyed by feature name (a Map: feature names are user data, so never object keys). */
  distributions: Map<string, Distribution>;
  /** Scheduled evaluations up to the report's window, oldest first; empty when none are stored. */
  history: HistoryRow[];
  /** Quality of the current window and, when the reference is a stored window, of the reference. */
  quality: { current: QualityReport | null; reference: QualityReport | null };
  generatedAt: string;
  /** What could not be gathered (a refused query, say), shown on the page instead of failing it. */
  notes: string[];
}
