// The pure-JS part of the embedded ingest path for one request body, composed from the product's own
// functions (no copies): what bench/worker-pool.ts runs on the main thread and in worker_threads.
// HTTP edge (collector/http/ingest.ts): decodeUtf8 → splitItems → validateEvent per item; sink
// (sink/stages.ts rowStage): buildRow per valid event; store (storage/clickhouse.ts): compactEachRow.
import { PerformanceObserver } from 'node:perf_hooks';
import { decodeUtf8, splitItems } from '../http/body.js';
import { validateEvent } from '../core/schemas/validate.js';
import { buildRow, splitValue } from '../storage/rows.js';
import { compactEachRow } from '../storage/insert-body.js';
import type { PredictionEvent } from '../core/schemas/events.js';

export interface BodyResult {
  /** Valid events, as insert text (JSONCompactEachRow lines). */
  text: string;
  columns: string[];
  rows: number;
  rejected: number;
}

/** Body → insert text of its valid prediction events, through the product's functions. */
export function bodyToInsertText(body: Buffer, receivedAtMs: number, oldestMs: number): BodyResult {
  const rows: object[] = [];
  let rejected = 0;
  for (const item of splitItems(decodeUtf8(body))) {
    if ('error' in item) {
      rejected++;
      continue;
    }
    const v = validateEvent('prediction', item.value, { oldestMs });
    if (v.ok) rows.push(buildRow('prediction', v.event, { receivedAtMs, id: '' }));
    else rejected++;
  }
  if (rows.length === 0) return { text: '', columns: [], rows: 0, rejected };
  const { columns, body: text } = compactEachRow(rows);
  return { text, columns, rows: rows.length, rejected };
}

// --- Allocation trials (not product code): the same insert text with fewer intermediate objects.
// bench/worker-pool.ts checks that each yields byte-identical text before timing it.
//   'array':  the row as its column-ordered array straight from the validated event (no row object,
//             no per-row `columns.map` array), then one native JSON.stringify per row;
//   'concat': the row's text concatenated by hand (no row object, no feature maps, no arrays).
import { splitFeatures } from '../storage/rows.js';

const dtText = (ms: number) => (ms / 1000).toFixed(3);
const orNull = <T>(v: T | undefined) => (v === undefined ? null : v);

export function predictionArray(e: PredictionEvent, receivedAt: string): unknown[] {
  const p = splitValue(e.prediction);
  const f = splitFeatures(e.features);
  return [e.model, e.model_version, e.prediction_id, dtText(e.timestamp), f.num_features, f.cat_features, f.null_features, p.num, p.cat, orNull(e.score), orNull(e.latency_ms), orNull(e.ttft_ms), e.embeddings ?? {}, e.status, e.segments, receivedAt];
}

const js = JSON.stringify;
const num = (v: number | null | undefined) => (v === null || v === undefined ? 'null' : Number.isFinite(v) ? String(v) : 'null');

export function predictionLine(e: PredictionEvent, receivedAt: string): string {
  let nums = '';
  let cats = '';
  let nulls = '';
  const f = e.features;
  for (const k in f) {
    const v = f[k];
    if (v === null || v === undefined) nulls += (nulls ? ',' : '') + js(k);
    else if (typeof v === 'number') nums += (nums ? ',' : '') + js(k) + ':' + num(v);
    else cats += (cats ? ',' : '') + js(k) + ':' + js(String(v));
  }
  const p = splitValue(e.prediction);
  return (
    '[' + js(e.model) + ',' + js(e.model_version) + ',' + js(e.prediction_id) + ',' + js(dtText(e.timestamp)) +
    ',{' + nums + '},{' + cats + '},[' + nulls + '],' + num(p.num) + ',' + (p.cat === null ? 'null' : js(p.cat)) +
    ',' + num(e.score) + ',' + num(e.latency_ms) + ',' + num(e.ttft_ms) + ',' + js(e.embeddings ?? {}) +
    ',' + js(e.status) + ',' + js(e.segments) + ',' + js(receivedAt) + ']\n'
  );
}

export const PREDICTION_COLUMNS = ['model', 'model_version', 'prediction_id', 'ts', 'num_features', 'cat_features', 'null_features', 'prediction_num', 'prediction_cat', 'score', 'latency_ms', 'ttft_ms', 'embeddings', 'status', 'segments', 'received_at'];

/** A trial: the same split, parse and validation, then the row's text without the row object. */
function trial(line: (e: PredictionEvent, receivedAt: string) => string) {
  return (body: Buffer, receivedAtMs: number, oldestMs: number): BodyResult => {
    let text = '';
    let rows = 0;
    let rejected = 0;
    const receivedAt = dtText(receivedAtMs);
    for (const item of splitItems(decodeUtf8(body))) {
      if ('error' in item) {
        rejected++;
        continue;
      }
      const v = validateEvent('prediction', item.value, { oldestMs });
      if (v.ok) {
        text += line(v.event, receivedAt);
        rows++;
      } else rejected++;
    }
    return { text, columns: rows ? PREDICTION_COLUMNS : [], rows, rejected };
  };
}

export type Builder = 'rows' | 'array' | 'concat';
export const BUILDERS: Record<Builder, (body: Buffer, receivedAtMs: number, oldestMs: number) => BodyResult> = {
  rows: bodyToInsertText,
  array: trial((e, at) => JSON.stringify(predictionArray(e, at)) + '\n'),
  concat: trial(predictionLine),
};

/** Garbage-collection pauses of this thread from now on, counted as the observer delivers them. */
export function gcTally(): { gcCount: number; gcMs: number } {
  const tally = { gcCount: 0, gcMs: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      tally.gcCount++;
      tally.gcMs += e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  return tally;
}
