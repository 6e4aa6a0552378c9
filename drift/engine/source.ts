/**
 * The rows one side of a comparison reads, as SQL: a stored time window of `predictions` or an
 * uploaded reference. Every side yields the same columns, so every pass is one query over
 * `side 0 UNION ALL side 1`:
 *   s            0 = reference, 1 = current
 *   nf, cf, nl   the numeric and categorical feature maps and the names of null features
 *   pn, pc, sc   prediction (numeric or categorical) and score
 *   ln, lc       label (numeric or categorical), NULL when none has arrived
 *   rid          a hash of the row's identity (prediction id, upload row), for seeded samples
 *   ch           chunk number 0..C-1 (equal-count time slices of a window, row slices of an upload) for learned thresholds
 * The pseudo-features `@prediction`, `@score` and `@label` are added by the passes (streams.ts).
 * Stored predictions are read with FINAL, so redelivered duplicates count once.
 */
import type { QueryParams } from '../../storage/store.js';

/** What one side reads: a time range of stored predictions [fromMs, toMs), or an uploaded reference version. */
export type SideSpec = { kind: 'window'; fromMs: number; toMs: number; modelVersion?: string } | { kind: 'upload'; version: string; rows: number };

export interface SourceScope {
  db: string;
  model: string;
  /** Restricts both sides to rows whose segment `name` has `value`. */
  segment?: { name: string; value: string };
  /** Whether labels exist for this model; joining them is skipped otherwise. */
  withLabels: boolean;
  /** Number of chunks `ch` is computed for (1 when unused). */
  chunks?: number;
  /** For a window: the epoch-ms bounds between chunks (chunks-1 ascending), so chunks hold equal row counts. */
  chunkBounds?: number[];
}

export interface Sql {
  sql: string;
  params: QueryParams;
}

function columns(side: 0 | 1, label: boolean, chunkExpr: string, rid: string): string {
  const ln = label ? 'label_num' : 'CAST(NULL AS Nullable(Float64))';
  const lc = label ? 'label_cat' : 'CAST(NULL AS Nullable(String))';
  return `${side} AS s, num_features AS nf, cat_features AS cf, null_features AS nl,
    prediction_num AS pn, prediction_cat AS pc, score AS sc, ${ln} AS ln, ${lc} AS lc, ${chunkExpr} AS ch, ${rid} AS rid`;
}

/** SQL for one side; its parameters are prefixed `s0_` / `s1_` so the two sides never collide. */
export function sideSql(side: 0 | 1, spec: SideSpec, scope: SourceScope): Sql {
  const p = `s${side}_`;
  const params: QueryParams = { [`${p}model`]: scope.model };
  const chunks = Math.max(1, scope.chunks ?? 1);
  let seg = '';
  if (scope.segment) {
    seg = ` AND mapContains(segments, {${p}sn:String}) AND segments[{${p}sn:String}] = {${p}sv:String}`;
    params[`${p}sn`] = scope.segment.name;
    params[`${p}sv`] = scope.segment.value;
  }
  if (spec.kind === 'upload') {
    params[`${p}ver`] = spec.version;
    const chunk = chunks > 1 ? `toUInt32(intDiv(row * ${chunks}, greatest(${Math.max(1, spec.rows)}, 1)))` : '0';
    return {
      sql: `SELECT ${columns(side, true, `least(${chunks - 1}, ${chunk})`, 'cityHash64(row)')}
  FROM ${scope.db}.drift_reference_rows FINAL
  WHERE model = {${p}model:String} AND version = {${p}ver:String}${seg}`,
      params,
    };
  }
  params[`${p}from`] = spec.fromMs;
  params[`${p}to`] = spec.toMs;
  let chunk = '0';
  if (chunks > 1 && scope.chunkBounds) {
    params[`${p}bounds`] = scope.chunkBounds;
    chunk = `toUInt32(arrayCount(b -> b <= toUnixTimestamp64Milli(ts), {${p}bounds:Array(Int64)}))`;
  }
  let version = '';
  if (spec.modelVersion !== undefined) {
    version = ` AND model_version = {${p}mv:String}`;
    params[`${p}mv`] = spec.modelVersion;
  }
  const where = `model = {${p}model:String} AND ts >= fromUnixTimestamp64Milli({${p}from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({${p}to:Int64}, 'UTC')${seg}${version}`;
  if (!scope.withLabels) {
    return { sql: `SELECT ${columns(side, false, chunk, 'cityHash64(prediction_id)')}\n  FROM ${scope.db}.predictions FINAL\n  WHERE ${where}`, params };
  }
  // Labels are joined by prediction id; the newest label per prediction wins (labels FINAL).
  return {
    sql: `SELECT ${columns(side, true, chunk, 'cityHash64(prediction_id)')}
  FROM (SELECT * FROM ${scope.db}.predictions FINAL WHERE ${where}) AS p
  LEFT ANY JOIN (SELECT prediction_id, label_num, label_cat FROM ${scope.db}.labels FINAL WHERE model = {${p}model:String}) AS l USING (prediction_id)`,
    params,
  };
}

/** Both sides as one subquery, reference first. */
export function bothSides(reference: SideSpec, current: SideSpec, scope: SourceScope): Sql {
  const a = sideSql(0, reference, scope);
  const b = sideSql(1, current, scope);
  return { sql: `(${a.sql}\n  UNION ALL\n  ${b.sql})`, params: { ...a.params, ...b.params } };
}
