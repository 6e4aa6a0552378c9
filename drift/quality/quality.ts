/**
 * Model quality once labels arrive, per window and per segment, computed in ClickHouse over
 * predictions joined to their labels by prediction id (both read FINAL, so duplicates count once).
 *
 * Classification (predictions and labels compared as text, numbers through toString):
 *   accuracy = share of labelled predictions equal to their label;
 *   with `positiveClass`: precision, recall, F1 of that class and ROC AUC of `score` (arrayAUC,
 *   ties counted half, as sklearn's roc_auc_score);
 *   without: precision, recall and F1 macro-averaged over the classes seen in predictions or
 *   labels, a class never predicted having precision 0 (sklearn zero_division=0); no AUC.
 * Regression: MAE, RMSE, and MAPE = mean |label − prediction| / |label| over labels ≠ 0 (rows
 * with label 0 are left out and counted in `mape_excluded`).
 */
import type { Store } from '../../storage/store.js';
import type { DriftModelConfig } from '../config.js';
import { estimatedQuality, type EstimatedQuality } from './estimate.js';

export interface QualityRequest {
  model: string;
  fromMs: number;
  toMs: number;
  segmentBy?: string;
  /** Restricts to predictions of one model_version. */
  version?: string;
  /** Adds the CBPE estimate (binary classifiers with positiveClass and a labelled reference). */
  estimate?: boolean;
}

export type Metrics = Record<string, number | null>;

export interface QualityGroup {
  segment: string | null;
  labelled: number;
  metrics: Metrics;
  notes: string[];
}

export interface QualityReport {
  model: string;
  window: { from: string; to: string; version?: string };
  task: 'classification' | 'regression' | null;
  positive_class: string | null;
  overall: QualityGroup;
  segments?: { name: string; values: QualityGroup[] };
  /** CBPE: the quality estimated from scores alone, before (and beside) the realised one (estimate.ts). */
  estimated?: EstimatedQuality;
}

const MAX_CLASSES = 1000;

function joined(db: string, segment: string | undefined, version: boolean): string {
  const g = segment ? `if(mapContains(p.segments, {seg:String}), p.segments[{seg:String}], '')` : `''`;
  return `(SELECT ${g} AS g,
      coalesce(p.prediction_cat, toString(p.prediction_num)) AS pc, p.prediction_num AS pn, p.score AS sc,
      coalesce(l.label_cat, toString(l.label_num)) AS lc, l.label_num AS ln
    FROM (SELECT prediction_id, prediction_num, prediction_cat, score, segments FROM ${db}.predictions FINAL
          WHERE model = {m:String} AND ts >= fromUnixTimestamp64Milli({f:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({t:Int64}, 'UTC')${version ? ' AND model_version = {mv:String}' : ''}) AS p
    INNER JOIN (SELECT prediction_id, label_num, label_cat FROM ${db}.labels FINAL WHERE model = {m:String}) AS l USING (prediction_id))`;
}

const num = (v: unknown): number | null => (v === null || v === undefined || !Number.isFinite(Number(v)) ? null : Number(v));
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const f1 = (p: number | null, r: number | null) => (p === null || r === null ? null : p + r > 0 ? (2 * p * r) / (p + r) : 0);

async function inferTask(store: Store, q: QualityRequest, params: Record<string, unknown>): Promise<'classification' | 'regression' | null> {
  const [r] = await store.query<{ cat: string; nm: string }>(
    `SELECT countIf(prediction_cat IS NOT NULL) AS cat, countIf(prediction_num IS NOT NULL) AS nm FROM ${store.database}.predictions
     WHERE model = {m:String} AND ts >= fromUnixTimestamp64Milli({f:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({t:Int64}, 'UTC')`,
    params,
  );
  if (!r || (Number(r.cat) === 0 && Number(r.nm) === 0)) return null;
  return Number(r.cat) >= Number(r.nm) ? 'classification' : 'regression';
}

async function regression(store: Store, src: string, params: Record<string, unknown>): Promise<QualityGroup[]> {
  const rows = await store.query<Record<string, unknown>>(
    `SELECT g, count() AS n, avg(abs(pn - ln)) AS mae, sqrt(avg((pn - ln) * (pn - ln))) AS rmse,
       avgIf(abs((ln - pn) / ln), ln != 0) AS mape, countIf(ln = 0) AS zero
     FROM ${src} WHERE pn IS NOT NULL AND ln IS NOT NULL GROUP BY g ORDER BY n DESC, g`,
    params,
  );
  return rows.map((r) => ({
    segment: String(r.g),
    labelled: Number(r.n),
    metrics: { mae: num(r.mae), rmse: num(r.rmse), mape: Number(r.zero) < Number(r.n) ? num(r.mape) : null, mape_excluded: Number(r.zero) },
    notes: Number(r.zero) === Number(r.n) ? ['every label is 0, so MAPE is undefined'] : [],
  }));
}

async function classification(store: Store, src: string, params: Record<string, unknown>, positive: string | null): Promise<QualityGroup[]> {
  const totals = await store.query<{ g: string; n: string; correct: string; auc: number | null; pos: string; neg: string }>(
    `SELECT g, count() AS n, countIf(pc = lc) AS correct,
       countIf(sc IS NOT NULL AND lc = {pos:String}) AS pos, countIf(sc IS NOT NULL AND lc != {pos:String}) AS neg,
       if(pos > 0 AND neg > 0, arrayAUC(groupArrayIf(assumeNotNull(sc), sc IS NOT NULL), groupArrayIf(toUInt8(lc = {pos:String}), sc IS NOT NULL)), NULL) AS auc
     FROM ${src} WHERE pc IS NOT NULL AND lc IS NOT NULL GROUP BY g ORDER BY n DESC, g`,
    { ...params, pos: positive ?? '' },
  );
  const perClass = await store.query<{ g: string; cls: string; tp: string; fp: string; fn: string }>(
    `SELECT g, cls, countIf(pc = cls AND lc = cls) AS tp, countIf(pc = cls AND lc != cls) AS fp, countIf(pc != cls AND lc = cls) AS fn
     FROM ${src} ARRAY JOIN arrayDistinct([assumeNotNull(pc), assumeNotNull(lc)]) AS cls
     WHERE pc IS NOT NULL AND lc IS NOT NULL GROUP BY g, cls ORDER BY g, tp + fn DESC LIMIT ${MAX_CLASSES} BY g`,
    params,
  );
  return totals.map((t) => {
    const classes = perClass.filter((c) => c.g === t.g).map((c) => ({ cls: c.cls, tp: Number(c.tp), fp: Number(c.fp), fn: Number(c.fn) }));
    const notes: string[] = [];
    const metrics: Metrics = { accuracy: ratio(Number(t.correct), Number(t.n)) };
    if (positive !== null) {
      const c = classes.find((x) => x.cls === positive) ?? { tp: 0, fp: 0, fn: 0 };
      metrics.precision = ratio(c.tp, c.tp + c.fp);
      metrics.recall = ratio(c.tp, c.tp + c.fn);
      metrics.f1 = f1(metrics.precision, metrics.recall);
      metrics.roc_auc = num(t.auc);
      if (metrics.precision === null) notes.push(`class ${positive} was never predicted, so precision is undefined`);
      if (metrics.roc_auc === null) notes.push('ROC AUC needs scores and labels of both the positive and another class');
    } else {
      const p = classes.map((c) => ratio(c.tp, c.tp + c.fp) ?? 0);
      const r = classes.map((c) => ratio(c.tp, c.tp + c.fn) ?? 0);
      const f = classes.map((_, i) => f1(p[i]!, r[i]!) ?? 0);
      const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
      Object.assign(metrics, { precision_macro: mean(p), recall_macro: mean(r), f1_macro: mean(f), roc_auc: null });
      notes.push('set drift.models[].positiveClass for precision, recall, F1 and ROC AUC of one class');
    }
    return { segment: t.g, labelled: Number(t.n), metrics, notes };
  });
}

/** Quality metrics of a model over [fromMs, toMs), overall and per segment value. */
export async function modelQuality(store: Store, cfg: DriftModelConfig | undefined, q: QualityRequest): Promise<QualityReport> {
  const params = { m: q.model, f: q.fromMs, t: q.toMs, seg: q.segmentBy ?? '', mv: q.version ?? '' };
  const task = cfg?.task ?? (await inferTask(store, q, params));
  const positive = cfg?.positiveClass ?? null;
  const run = (segment: string | undefined) => {
    const src = joined(store.database, segment, q.version !== undefined);
    return task === 'regression' ? regression(store, src, params) : classification(store, src, params, positive);
  };
  const empty: QualityGroup = { segment: null, labelled: 0, metrics: {}, notes: ['no labelled predictions in this window'] };
  const overall = task ? ((await run(undefined))[0] ?? empty) : { ...empty, notes: ['no predictions in this window'] };
  const report: QualityReport = {
    model: q.model,
    window: { from: new Date(q.fromMs).toISOString(), to: new Date(q.toMs).toISOString(), ...(q.version !== undefined ? { version: q.version } : {}) },
    task,
    positive_class: positive,
    overall: { ...overall, segment: null },
  };
  if (q.estimate && task !== 'regression' && cfg?.positiveClass !== undefined) report.estimated = await estimatedQuality(store, cfg, q);
  if (q.segmentBy && task) report.segments = { name: q.segmentBy, values: (await run(q.segmentBy)).filter((g) => g.segment !== '') };
  return report;
}
