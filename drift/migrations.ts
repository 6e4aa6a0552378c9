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
  {
    id: 240,
    name: 'embeddings one vector a row (prediction_embeddings, drift_reference_embeddings)',
    // Cluster mode: a vector lives on the shard of its prediction (upload row), where the view writes it.
    shardingKeys: { prediction_embeddings: 'cityHash64(model, prediction_id)', drift_reference_embeddings: 'cityHash64(model, version, row)' },
    statements: (db, r) => [
      // Reading em[name] out of the Map(String, Array(Float32)) column costs 2-3x reading a plain
      // Array(Float32) column for the same aggregate (bench/RESULTS.md notes, bench:drift-embeddings),
      // and a (model, name, time range) read of the map scans every name's vectors. Here each vector is a row of its own, ordered so such a read
      // is a range scan; the views fill the tables at insert, the INSERTs below back-fill what was
      // stored before (after the views exist, so nothing falls in between; a re-run only repeats
      // rows that ReplacingMergeTree and the readers' FINAL fold away).
      `CREATE TABLE IF NOT EXISTS ${db}.prediction_embeddings (
        model LowCardinality(String),
        name LowCardinality(String),
        ts DateTime64(3, 'UTC'),
        prediction_id String,
        model_version LowCardinality(String),
        segments Map(String, String),
        vector Array(Float32)
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMMDD(ts)
      ORDER BY (model, name, ts, prediction_id)
      TTL toDateTime(ts) + INTERVAL ${r.predictions} DAY
      SETTINGS ${DEDUP}`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.prediction_embeddings_mv TO ${db}.prediction_embeddings AS ${predictionVectors(db)}`,
      `INSERT INTO ${db}.prediction_embeddings ${predictionVectors(db)}`,
      `CREATE TABLE IF NOT EXISTS ${db}.drift_reference_embeddings (
        model LowCardinality(String),
        version String,
        name LowCardinality(String),
        row UInt64,
        segments Map(String, String),
        vector Array(Float32)
      ) ENGINE = ReplacingMergeTree
      ORDER BY (model, version, name, row)
      SETTINGS ${DEDUP}`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.drift_reference_embeddings_mv TO ${db}.drift_reference_embeddings AS ${referenceVectors(db)}`,
      `INSERT INTO ${db}.drift_reference_embeddings ${referenceVectors(db)}`,
    ],
  },
];

/** One row per (prediction, embedding name): the select of the view and of the back-fill. */
function predictionVectors(db: string): string {
  return `SELECT model, name, ts, prediction_id, model_version, segments, vector FROM ${db}.predictions ARRAY JOIN mapKeys(embeddings) AS name, mapValues(embeddings) AS vector`;
}

function referenceVectors(db: string): string {
  return `SELECT model, version, name, row, segments, vector FROM ${db}.drift_reference_rows ARRAY JOIN mapKeys(embeddings) AS name, mapValues(embeddings) AS vector`;
}
