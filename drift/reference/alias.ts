/**
 * `reference: {type: alias, alias: champion}`: the version that held a registry alias before the
 * current holder, over the time it held it. The alias history is the registry module's
 * `registry_events` table, declared in core/contracts/registry-events.ts. The rule (README "Alias
 * references") is pure here; only `aliasHistory` reads the engine.
 */
import { REGISTRY_EVENT, REGISTRY_EVENTS_TABLE } from '../../core/contracts/registry-events.js';
import type { Store } from '../../storage/store.js';

export interface AliasEvent {
  event: typeof REGISTRY_EVENT.aliasCreated | typeof REGISTRY_EVENT.aliasDeleted;
  /** The version the alias now points to; '' for a deletion. */
  version: string;
  ts: number;
}

export type AliasWindow =
  | { ok: true; version: string; fromMs: number; toMs: number; holder: string | null }
  | { ok: false; message: string };

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The previous holder of `alias` as of `asOfMs` (events at or after it are not yet history):
 * - each creation pointing the alias at another version ends the running holder's window there;
 *   setting it again on the version already holding it changes nothing;
 * - a deletion ends the running window and leaves no holder;
 * - with a holder, the reference is the last window of the newest other version before it;
 * - with no holder (deleted), the reference is the last holder's window, up to the deletion;
 * - never set, or never held by another version: no reference, said in words.
 * `lastMs` keeps only the last that-long of the window. `events` must be in time order.
 */
export function previousHolder(events: readonly AliasEvent[], asOfMs: number, alias: string, model: string, lastMs?: number): AliasWindow {
  const past: { version: string; fromMs: number; toMs: number }[] = [];
  let running = null as { version: string; sinceMs: number } | null;
  let seen = false;
  for (const e of events) {
    if (e.ts >= asOfMs) break;
    seen = true;
    if (e.event === REGISTRY_EVENT.aliasDeleted) {
      if (running) past.push({ version: running.version, fromMs: running.sinceMs, toMs: e.ts });
      running = null;
    } else if (running?.version !== e.version) {
      if (running) past.push({ version: running.version, fromMs: running.sinceMs, toMs: e.ts });
      running = { version: e.version, sinceMs: e.ts };
    }
  }
  const subject = `alias ${alias} of model ${model}`;
  if (!seen) return { ok: false, message: `${subject} was never set before ${iso(asOfMs)}: no MLflow alias event received (is the registry webhook configured?)` };
  const holder = running;
  const prev = holder ? [...past].reverse().find((w) => w.version !== holder.version) : past.at(-1);
  if (!prev) {
    return holder
      ? { ok: false, message: `${subject} has only ever been held by version ${holder.version} (since ${iso(holder.sinceMs)}): there is no previous version to compare with until the alias moves` }
      : { ok: false, message: `${subject} was deleted before ever pointing at a version` };
  }
  const fromMs = lastMs !== undefined ? Math.max(prev.fromMs, prev.toMs - lastMs) : prev.fromMs;
  return { ok: true, version: prev.version, fromMs, toMs: prev.toMs, holder: holder?.version ?? null };
}

/** The alias's created/deleted events of a model, in time order (delivery id breaks ties, so the order is stable). */
export async function aliasHistory(store: Store, model: string, alias: string): Promise<AliasEvent[]> {
  const rows = await store.query<{ event: AliasEvent['event']; version: string; ts: string }>(
    `SELECT event, version, toString(toUnixTimestamp64Milli(ts)) AS ts FROM ${store.database}.${REGISTRY_EVENTS_TABLE} FINAL
     WHERE model = {m:String} AND alias = {a:String} AND event IN ({c:String}, {d:String})
     ORDER BY ts, delivery_id`,
    { m: model, a: alias, c: REGISTRY_EVENT.aliasCreated, d: REGISTRY_EVENT.aliasDeleted },
  );
  return rows.map((r) => ({ event: r.event, version: r.version, ts: Number(r.ts) }));
}
