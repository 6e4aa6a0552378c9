import { DEDUP, type Migration } from '../storage/migrations.js';

/** The drift module's tables (ids 200-299). */
export const DRIFT_MIGRATIONS: Migration[] = [
  {
    id: 200,
    name: 'drift references and results',
    statements: (db, r) => [
      // Uploaded reference rows, shaped (and typed) like predictions, so both read as one UNION.
      // (model, version, row) is the identity, so a resent chunk (same offset) collapses into the
      // rows already there.
      `CREATE TABLE IF NOT EXISTS ${db}.drift_reference_rows (
        model LowCardinality(String),
        version String,
        row UInt64,
        num_features Map(String, Float64),
        cat_features Map(String, String),
        null_features Array(String),
        prediction_num Nullable(Float64),
        prediction_cat Nullable(String),
        score Nullable(Float64),
        label_num Nullable(Float64),
        label_cat Nullable(String),
        segments Map(String, String)
      ) ENGINE = ReplacingMergeTree
      ORDER BY (model, version, row)
      SETTINGS ${DEDUP}`,
      `CREATE TABLE IF NOT EXISTS ${db}.drift_reference_uploads (
        model LowCardinality(String),
        version String,
        rows UInt64,
        complete UInt8,
        updated_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree(updated_at)
      ORDER BY (model, version)`,
      // The declared reference of a model (JSON of drift/config ReferenceSpec); the newest wins.
      `CREATE TABLE IF NOT EXISTS ${db}.drift_reference_decl (
        model LowCardinality(String),
        spec String,
        updated_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree(updated_at)
      ORDER BY model`,
      // One row per (model, feature, method, window); feature '@dataset' holds the data-set verdict
      // (method 'share'), '@quality' the model-quality metrics (method = metric name), method
      // 'missing' the missingness signal. The alerting module reads this table as drift signals
      // (columns model, feature, method, value, threshold, drifted, window_end), so per-segment
      // rows live in drift_segment_results and never mix into these series.
      ...['drift_results', 'drift_segment_results'].map(
        (table) => `CREATE TABLE IF NOT EXISTS ${db}.${table} (
        model LowCardinality(String),
        window_start DateTime64(3, 'UTC'),
        window_end DateTime64(3, 'UTC'),${table === 'drift_segment_results' ? '\n        segment_name LowCardinality(String),\n        segment_value String,' : ''}
        feature LowCardinality(String),
        kind LowCardinality(String),
        method LowCardinality(String),
        value Nullable(Float64),
        p_value Nullable(Float64),
        threshold Nullable(Float64),
        drifted Nullable(UInt8),
        status LowCardinality(String),
        message String,
        n_reference UInt64,
        n_current UInt64,
        missing_reference Nullable(Float64),
        missing_current Nullable(Float64),
        reference String,
        computed_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree(computed_at)
      PARTITION BY toYYYYMM(window_start)
      ORDER BY (model, ${table === 'drift_segment_results' ? 'segment_name, segment_value, ' : ''}feature, method, window_start, window_end)
      TTL toDateTime(window_start) + INTERVAL ${r.predictions} DAY`,
      ),
    ],
  },
  {
    id: 201,
    name: 'drift evaluation log',
    statements: (db, r) => [
      // One row per evaluated (model, window): what the scheduler saw of the window's data (a
      // fingerprint, drift/schedule/settle.ts) when it evaluated it. Written after the window's
      // results, so it also marks the evaluation complete; the scheduler compares the fingerprint
      // with the data now to re-evaluate windows that late data changed. The newest row wins.
      `CREATE TABLE IF NOT EXISTS ${db}.drift_evaluations (
        model LowCardinality(String),
        window_start DateTime64(3, 'UTC'),
        window_end DateTime64(3, 'UTC'),
        fingerprint String,
        evaluated_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree(evaluated_at)
      PARTITION BY toYYYYMM(window_start)
      ORDER BY (model, window_start, window_end)
      TTL toDateTime(window_start) + INTERVAL ${r.predictions} DAY`,
    ],
  },
  // Uploaded references carry embeddings like predictions (the same column, so both sides read as one UNION).
  { id: 210, name: 'drift_reference_rows.embeddings', statements: (db) => [`ALTER TABLE ${db}.drift_reference_rows ADD COLUMN IF NOT EXISTS embeddings Map(String, Array(Float32))`] },
];
