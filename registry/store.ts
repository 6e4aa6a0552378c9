import { REGISTRY_EVENTS_TABLE, type RegistryEventRow } from '../core/contracts/registry-events.js';
import type { Store } from '../storage/store.js';

// Epoch seconds with milliseconds, as storage/rows.ts writes DateTime64(3) columns.
const dt = (ms: number) => (ms / 1000).toFixed(3);

/** Whether a delivery with this id is already stored (MLflow's retries reuse the id). */
export async function isRecorded(store: Store, source: string, deliveryId: string): Promise<boolean> {
  const rows = await store.query<{ n: string | number }>(
    `SELECT count() AS n FROM ${store.database}.${REGISTRY_EVENTS_TABLE} WHERE source = {s:String} AND delivery_id = {d:String}`,
    { s: source, d: deliveryId },
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/** Stores one event; two racing copies of a delivery collapse in the table (same sorting key), so readers use FINAL. */
export async function record(store: Store, row: RegistryEventRow, receivedAtMs: number, payload: string): Promise<void> {
  await store.insert(
    REGISTRY_EVENTS_TABLE,
    [{ ...row, ts: dt(row.ts), received_at: dt(receivedAtMs), payload }],
    { dedupToken: `${row.source}:${row.delivery_id}` },
  );
}
