import type { Migration } from '../storage/migrations.js';

// State that must survive a restart: alerts (so a restart neither re-pages nor forgets a firing
// alert), silences, and the notification log (what each receiver was last told, for dedup).
// ReplacingMergeTree keeps the row with the highest version per key; read with FINAL.
export const ALERTING_MIGRATIONS: Migration[] = [
  {
    id: 300,
    name: 'alerting state',
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.alerting_alerts (
        fingerprint String,
        rule String,
        labels Map(String, String),
        annotations Map(String, String),
        state LowCardinality(String),
        active_at_ms Int64,
        fired_at_ms Int64,
        resolved_at_ms Int64,
        last_active_ms Int64,
        value Float64,
        version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY fingerprint`,
      `CREATE TABLE IF NOT EXISTS ${db}.alerting_silences (
        id String,
        matchers Array(String),
        starts_at_ms Int64,
        ends_at_ms Int64,
        created_by String,
        comment String,
        updated_at_ms Int64,
        version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY id`,
      `CREATE TABLE IF NOT EXISTS ${db}.alerting_nflog (
        receiver String,
        group_key String,
        firing Array(String),
        resolved Array(String),
        sent_at_ms Int64,
        version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY (receiver, group_key)`,
    ],
  },
];
