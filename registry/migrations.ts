import { REGISTRY_EVENTS_TABLE } from '../core/contracts/registry-events.js';
import { DEDUP, type Migration } from '../storage/migrations.js';

/** The registry module's tables (ids 400-499). */
export const REGISTRY_MIGRATIONS: Migration[] = [
  {
    id: 400,
    name: 'model registry events',
    statements: (db) => [
      // One row per delivery. MLflow retries a failed delivery with the same X-MLflow-Delivery-Id,
      // so the delivery id is the identity: a retry collapses into the row already there (and the
      // receiver answers it as a duplicate). The payload is kept as sent, for audit. Registry events
      // are few (one per version or alias change) and carry the drift reference, so no TTL.
      `CREATE TABLE IF NOT EXISTS ${db}.${REGISTRY_EVENTS_TABLE} (
        source LowCardinality(String),
        delivery_id String,
        event LowCardinality(String),
        model LowCardinality(String),
        version String,
        alias String,
        ts DateTime64(3, 'UTC'),
        received_at DateTime64(3, 'UTC'),
        payload String
      ) ENGINE = ReplacingMergeTree
      ORDER BY (model, source, delivery_id)
      SETTINGS ${DEDUP}`,
    ],
  },
];
