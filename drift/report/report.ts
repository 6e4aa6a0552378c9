/**
 * A drift report for one model and one current window: resolves the reference, runs the database
 * passes (drift/engine) and turns their summaries into per-feature results and a data-set verdict.
 */
import { MlobsError } from '../../core/errors.js';
import { windowError } from '../../core/time.js';
import type { Store } from '../../storage/store.js';
import type { DriftConfig, ReferenceSpec } from '../config.js';
import { collect, type Collected } from '../engine/collect.js';
import { bothSides, type SourceScope } from '../engine/source.js';
import { resolveReference } from '../reference/resolve.js';
import type { MethodRequest } from './choose.js';
import { embeddingReports } from './embeddings.js';
import { featureReport, type FeatureContext } from './feature.js';
import { multivariateReport } from './multivariate.js';
import { learnedThresholds, needsLearned } from './learned.js';
import { applyCorrection, datasetVerdict } from './verdict.js';
import type { DriftReport, FeatureReport } from './types.js';

export interface ReportRequest {
  model: string;
  fromMs: number;
  toMs: number;
  reference?: ReferenceSpec;
  methods?: MethodRequest[];
  /** A segment label: adds one report per value (the most frequent ones, up to maxSegments). */
  segmentBy?: string;
  /** Restricts the current side to one model_version (the reference may be another: `{type: 'version'}`). */
  version?: string;
  /** Restricts the whole report to one segment value. */
  segment?: { name: string; value: string };
}

export interface ReportDeps {
  store: Store;
  config: DriftConfig;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Throws `unknown_model` when nothing at all is stored for the model. */
export async function assertKnownModel(store: Store, model: string): Promise<void> {
  const db = store.database;
  const rows = await store.query(
    `SELECT 1 FROM ${db}.predictions WHERE model = {m:String} LIMIT 1
     UNION ALL SELECT 1 FROM ${db}.drift_reference_uploads WHERE model = {m:String} LIMIT 1`,
    { m: model },
  );
  if (rows.length === 0) throw new MlobsError(`unknown model ${JSON.stringify(model)}: no predictions and no reference are stored for it`, { reason: 'unknown_model', retryable: false });
}

async function hasLabels(store: Store, model: string): Promise<boolean> {
  const rows = await store.query(`SELECT 1 FROM ${store.database}.labels WHERE model = {m:String} LIMIT 1`, { m: model });
  return rows.length > 0;
}

/** Most frequent values of a segment label in the current window. */
async function segmentValues(store: Store, req: ReportRequest, name: string, limit: number): Promise<string[]> {
  const rows = await store.query<{ v: string }>(
    `SELECT segments[{n:String}] AS v, count() AS c FROM ${store.database}.predictions FINAL
     WHERE model = {m:String} AND ts >= fromUnixTimestamp64Milli({f:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({t:Int64}, 'UTC') AND mapContains(segments, {n:String})
     GROUP BY v ORDER BY c DESC, v LIMIT {l:UInt32}`,
    { n: name, m: req.model, f: req.fromMs, t: req.toMs, l: limit },
  );
  return rows.map((r) => r.v);
}

/**
 * Per-feature reports from the collected summaries, with the data-set correction applied: the same
 * for stored windows and for files (drift/check).
 */
export function featureReports(collected: Collected, ctx: FeatureContext): FeatureReport[] {
  // A model without scores (or labels) should not list them as features that are always missing.
  const present = [...collected.features.values()].filter((d) => d.reference.type || d.current.type || !d.name.startsWith('@'));
  const features = present.map((d) => featureReport(d, ctx));
  applyCorrection(features, ctx.cfg.dataset.correction);
  return features;
}

/** Computes the report (and, with `segmentBy`, one per segment value). */
export async function driftReport(deps: ReportDeps, req: ReportRequest): Promise<DriftReport> {
  const started = performance.now();
  const { store, config } = deps;
  const reversed = windowError(req.fromMs, req.toMs);
  if (reversed) throw new MlobsError(reversed, { reason: 'bad_request', retryable: false });
  await assertKnownModel(store, req.model);
  const modelCfg = config.models.find((m) => m.model === req.model);
  const ref = await resolveReference(store, req.model, { fromMs: req.fromMs, toMs: req.toMs }, req.reference, modelCfg);
  const scope: SourceScope = { db: store.database, model: req.model, withLabels: await hasLabels(store, req.model), segment: req.segment };
  const current = { kind: 'window', fromMs: req.fromMs, toMs: req.toMs, modelVersion: req.version } as const;
  const collected = await collect(store, bothSides(ref.side, current, scope), config);
  const requested = req.methods ?? modelCfg?.methods ?? config.methods;
  const learned = needsLearned(config, modelCfg) ? await learnedThresholds(store, ref.side, scope, collected, config) : undefined;
  const features = featureReports(collected, { cfg: config, model: modelCfg, requested, learned });
  const problems: string[] = [];
  const where = req.segment ? ` in segment ${req.segment.name}=${req.segment.value}` : '';
  if (collected.currentRows === 0) problems.push(`the current window ${iso(req.fromMs)} – ${iso(req.toMs)} holds no predictions of model ${req.model}${where}`);
  if (collected.referenceRows === 0) problems.push(`the reference holds no rows${where}`);
  const report: DriftReport = {
    model: req.model,
    window: { from: iso(req.fromMs), to: iso(req.toMs), rows: collected.currentRows, ...(req.version !== undefined ? { version: req.version } : {}) },
    reference: { ...ref.description, rows: collected.referenceRows },
    segment: req.segment ?? null,
    methods: requested,
    dataset: datasetVerdict(features, config.dataset),
    features,
    multivariate: await multivariateReport(store, ref.side, current, scope, collected, config),
    embeddings: await embeddingReports(store, ref.side, current, scope, config),
    problems,
    elapsed_ms: 0,
  };
  if (req.segmentBy) {
    const values = await segmentValues(store, req, req.segmentBy, config.maxSegments);
    const reports: DriftReport[] = [];
    for (const value of values) reports.push(await driftReport(deps, { ...req, segmentBy: undefined, segment: { name: req.segmentBy, value } }));
    report.segments = { name: req.segmentBy, values: reports };
  }
  report.elapsed_ms = Math.round(performance.now() - started);
  return report;
}
