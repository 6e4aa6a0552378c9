/**
 * Stored references: uploaded training sets (in chunks, activated when the last chunk arrives) and
 * the per-model declaration of which reference to use.
 */
import { randomBytes } from 'node:crypto';
import { MlobsError } from '../../core/errors.js';
import type { Store } from '../../storage/store.js';
import { referenceSpecSchema, type ReferenceSpec } from '../config.js';
import { referenceTableRow, type ReferenceRow } from './rows.js';

const INSERT_BATCH = 20_000;
const dt = (ms: number) => (ms / 1000).toFixed(3);

export interface UploadInfo {
  version: string;
  rows: number;
  complete: boolean;
}

const bad = (message: string, reason = 'bad_reference') => new MlobsError(message, { reason, retryable: false });

/** The model's uploads, newest first. */
async function uploads(store: Store, model: string): Promise<(UploadInfo & { updated: number })[]> {
  const rows = await store.query<{ version: string; rows: string; complete: number; updated: string }>(
    `SELECT version, rows, complete, toUnixTimestamp64Milli(updated_at) AS updated FROM ${store.database}.drift_reference_uploads FINAL WHERE model = {m:String} ORDER BY updated_at DESC, version DESC`,
    { m: model },
  );
  return rows.map((r) => ({ version: r.version, rows: Number(r.rows), complete: r.complete === 1, updated: Number(r.updated) }));
}

/** The newest complete upload of a model, or null. */
export async function activeUpload(store: Store, model: string): Promise<UploadInfo | null> {
  const all = await uploads(store, model);
  const u = all.find((x) => x.complete);
  return u ? { version: u.version, rows: u.rows, complete: true } : null;
}

/**
 * Stores one chunk of an upload. Without `version` a new upload starts; `offset` (default: the rows
 * stored so far) numbers the chunk's rows, so resending a chunk with the same offset stores it once.
 * With `complete` the upload becomes the model's reference.
 */
export async function storeUploadChunk(
  store: Store,
  model: string,
  rows: ReferenceRow[],
  opts: { version?: string; offset?: number; complete: boolean; nowMs: number },
): Promise<UploadInfo> {
  let version = opts.version;
  let stored = 0;
  if (version !== undefined) {
    const u = (await uploads(store, model)).find((x) => x.version === version);
    if (!u) throw bad(`no upload ${version} for model ${model}; start a new upload without version`, 'unknown_upload');
    if (u.complete) throw bad(`upload ${version} of model ${model} is already complete; start a new upload`, 'upload_complete');
    stored = u.rows;
  } else {
    version = `${opts.nowMs.toString(36)}-${randomBytes(4).toString('hex')}`;
  }
  const offset = opts.offset ?? stored;
  for (let i = 0; i < rows.length; i += INSERT_BATCH) {
    const batch = rows.slice(i, i + INSERT_BATCH).map((r, j) => referenceTableRow(model, version!, offset + i + j, r));
    await store.insert('drift_reference_rows', batch);
  }
  const [{ n } = { n: '0' }] = await store.query<{ n: string }>(
    `SELECT count() AS n FROM ${store.database}.drift_reference_rows FINAL WHERE model = {m:String} AND version = {v:String}`,
    { m: model, v: version },
  );
  const total = Number(n);
  if (opts.complete && total === 0) throw bad('a reference needs at least one row');
  await store.insert('drift_reference_uploads', [{ model, version, rows: total, complete: opts.complete ? 1 : 0, updated_at: dt(opts.nowMs) }]);
  if (opts.complete) {
    await declareReference(store, model, { type: 'upload' }, opts.nowMs);
    // Older versions are no longer readable through the declaration; drop their rows.
    await store.command(`DELETE FROM ${store.database}.drift_reference_rows WHERE model = {m:String} AND version != {v:String}`, { m: model, v: version });
    // Their vectors too (the one-vector-a-row copy, migration 240).
    await store.command(`DELETE FROM ${store.database}.drift_reference_embeddings WHERE model = {m:String} AND version != {v:String}`, { m: model, v: version });
  }
  return { version, rows: total, complete: opts.complete };
}

/** Records which reference a model uses from now on. */
export async function declareReference(store: Store, model: string, spec: ReferenceSpec, nowMs: number): Promise<void> {
  await store.insert('drift_reference_decl', [{ model, spec: JSON.stringify(spec), updated_at: dt(nowMs) }]);
}

/** The declared reference of a model, or null. */
export async function declaredReference(store: Store, model: string): Promise<ReferenceSpec | null> {
  const rows = await store.query<{ spec: string }>(`SELECT spec FROM ${store.database}.drift_reference_decl FINAL WHERE model = {m:String}`, { m: model });
  if (!rows[0]) return null;
  const r = referenceSpecSchema.safeParse(JSON.parse(rows[0].spec));
  return r.success ? r.data : null;
}
