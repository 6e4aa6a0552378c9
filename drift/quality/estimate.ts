/**
 * Estimated quality without labels (CBPE, stats/cbpe.ts) for a binary classifier with scores and a
 * configured `positiveClass`: the calibration is fitted on the model's reference (its labelled
 * rows with a score: an upload with labels, or a stored window whose labels arrived), then applied
 * to the window's scores and predictions, which need no label.
 *
 * Unlike the drift passes, CBPE needs each row's score in Node (calibration and the band's
 * simulation are per row): at most `MAX_ROWS` per side are read, a deterministic sample by hash of
 * the prediction id beyond that (a larger sample narrows the band no further than the 1/√n it
 * already has at that size).
 */
import type { Store } from '../../storage/store.js';
import type { DriftModelConfig } from '../config.js';
import { sideSql } from '../engine/source.js';
import { resolveReference } from '../reference/resolve.js';
import { estimatePerformance, fitCalibrator, type CbpeEstimate } from '../stats/index.js';

export const MAX_ROWS = 200_000;
/** Below this many labelled reference rows the calibration is Platt's; isotonic steps over-fit small sets. */
export const PLATT_BELOW = 1000;

export interface EstimatedQuality {
  method: 'cbpe';
  calibration: 'isotonic' | 'platt' | null;
  reference_rows: number;
  rows: number;
  level: number;
  estimate: CbpeEstimate['estimate'] | null;
  lower: CbpeEstimate['lower'] | null;
  upper: CbpeEstimate['upper'] | null;
  notes: string[];
}

const empty = (notes: string[], referenceRows = 0): EstimatedQuality => ({ method: 'cbpe', calibration: null, reference_rows: referenceRows, rows: 0, level: 0.95, estimate: null, lower: null, upper: null, notes });

/** The CBPE estimate for [fromMs, toMs); a note instead when it cannot be made. */
export async function estimatedQuality(store: Store, cfg: DriftModelConfig | undefined, q: { model: string; fromMs: number; toMs: number; version?: string }): Promise<EstimatedQuality> {
  const positive = cfg?.positiveClass;
  if (positive === undefined || cfg?.task === 'regression') return empty(['CBPE estimates binary classifiers: set drift.models[].positiveClass']);
  let ref;
  try {
    ref = await resolveReference(store, q.model, q, undefined, cfg);
  } catch (e) {
    return empty([`no reference to calibrate on: ${(e as Error).message}`]);
  }
  const side = sideSql(0, ref.side, { db: store.database, model: q.model, withLabels: true });
  const refRows = await store.query<{ s: number; y: number }>(
    `SELECT sc AS s, toUInt8(coalesce(lc, toString(ln)) = {pos:String}) AS y FROM (${side.sql})
     WHERE sc IS NOT NULL AND isFinite(sc) AND (lc IS NOT NULL OR ln IS NOT NULL)
     ORDER BY cityHash64(s, y, rand(1)) LIMIT {lim:UInt32}`,
    { ...side.params, pos: positive, lim: MAX_ROWS },
  );
  if (refRows.length < 2) return empty([`the reference has ${refRows.length} labelled rows with a score; CBPE needs labelled reference rows to calibrate on`], refRows.length);
  const scores = refRows.map((r) => Number(r.s));
  const labels = refRows.map((r) => Number(r.y));
  const cal = fitCalibrator(scores, labels, PLATT_BELOW);
  if (!cal.ok) return empty([`calibration failed: ${cal.detail}`], refRows.length);
  const rows = await store.query<{ s: number; p: number }>(
    `SELECT score AS s, toUInt8(coalesce(prediction_cat, toString(prediction_num)) = {pos:String}) AS p FROM ${store.database}.predictions FINAL
     WHERE model = {m:String} AND ts >= fromUnixTimestamp64Milli({f:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({t:Int64}, 'UTC')
       AND score IS NOT NULL AND isFinite(score)${q.version !== undefined ? ' AND model_version = {mv:String}' : ''}
     ORDER BY cityHash64(prediction_id) LIMIT {lim:UInt32}`,
    { m: q.model, f: q.fromMs, t: q.toMs, pos: positive, lim: MAX_ROWS, mv: q.version ?? '' },
  );
  if (rows.length === 0) return { ...empty(['no predictions with a score in this window'], refRows.length), calibration: cal.method };
  const e = estimatePerformance(cal, rows.map((r) => Number(r.s)), rows.map((r) => Number(r.p)));
  if (!e.ok) return { ...empty([e.detail], refRows.length), calibration: cal.method };
  return { method: 'cbpe', calibration: cal.method, reference_rows: refRows.length, rows: e.rows, level: e.level, estimate: e.estimate, lower: e.lower, upper: e.upper, notes: [] };
}
