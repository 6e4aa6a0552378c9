/**
 * Why a Prometheus text exposition was rejected. Kept as a closed set of short tokens so callers
 * can count failures by kind (e.g. a `scrape_errors_total{reason}` label) without parsing messages.
 */
export type ExpositionErrorReason =
  | 'bad_metric_name'
  | 'bad_label_name'
  | 'reserved_label'
  | 'bad_label'
  | 'duplicate_label'
  | 'unterminated_quote'
  | 'bad_escape'
  | 'missing_value'
  | 'bad_value'
  | 'bad_timestamp'
  | 'trailing_garbage'
  | 'bad_help'
  | 'duplicate_help'
  | 'bad_type'
  | 'unknown_type'
  | 'duplicate_type'
  | 'type_after_samples'
  | 'missing_le'
  | 'bad_le'
  | 'missing_quantile'
  | 'bad_quantile'
  | 'bad_histogram_sample';

/** The first line of an exposition that breaks the format: `line` is 1-based, `reason` a stable token, `message` human text. */
export class ExpositionError extends Error {
  readonly line: number;
  readonly reason: ExpositionErrorReason;

  constructor(line: number, reason: ExpositionErrorReason, detail: string) {
    super(`line ${line}: ${reason}: ${detail}`);
    this.name = 'ExpositionError';
    this.line = line;
    this.reason = reason;
  }
}
