/**
 * The in-database half of the multivariate methods (README "Multivariate drift"). Each row becomes a
 * vector z of standardised columns — numerical features and one-hot columns over the reference's top
 * categories — by one SQL expression with the standardisation as parameters, then:
 *   - `referenceMoments`: count, Σz and Σzzᵀ over the reference (only this d×d matrix reaches Node);
 *   - `chunkErrors`: the mean of ‖R z‖ per side and reference chunk, R the residual projector from Node;
 *   - `vectorSample`: a seeded random sample of z per side (for MMD), chosen by a hash of the row's
 *     identity and the seed, so the same data and seed give the same sample.
 * Missing values are imputed as the reference mean (z = 0); a missing category is a row of zeros
 * before standardising (no category).
 */
import type { Store } from '../../storage/store.js';
import type { Sql } from './source.js';
import { numericStream } from './streams.js';

export interface ColumnPlan {
  /** Numerical features with their reference mean and population std (> 0). */
  numeric: { name: string; mean: number; std: number }[];
  /** One-hot columns: (feature, category) with the reference share p, standardised by sqrt(p(1 − p)). */
  onehot: { name: string; value: string; mean: number; std: number }[];
}

export const columnCount = (p: ColumnPlan) => p.numeric.length + p.onehot.length;
export const columnNames = (p: ColumnPlan) => [...p.numeric.map((c) => c.name), ...p.onehot.map((c) => `${c.name}=${c.value}`)];

/** The standardised row vector z as SQL over the source's nf / cf maps; parameters prefixed `mv_`. */
export function vectorSql(plan: ColumnPlan): Sql {
  const parts: string[] = [];
  if (plan.numeric.length) {
    parts.push(`arrayMap((k, mu, sd) -> ((if(mapContains(nf, k) AND isFinite(nf[k]), nf[k], mu) - mu) / sd), {mv_nk:Array(String)}, {mv_nmu:Array(Float64)}, {mv_nsd:Array(Float64)})`);
  }
  if (plan.onehot.length) {
    parts.push(`arrayMap((k, v, mu, sd) -> ((toFloat64(mapContains(cf, k) AND cf[k] = v) - mu) / sd), {mv_ck:Array(String)}, {mv_cv:Array(String)}, {mv_cmu:Array(Float64)}, {mv_csd:Array(Float64)})`);
  }
  return {
    sql: parts.length === 1 ? parts[0]! : `arrayConcat(${parts.join(', ')})`,
    params: {
      mv_nk: plan.numeric.map((c) => c.name),
      mv_nmu: plan.numeric.map((c) => c.mean),
      mv_nsd: plan.numeric.map((c) => c.std),
      mv_ck: plan.onehot.map((c) => c.name),
      mv_cv: plan.onehot.map((c) => c.value),
      mv_cmu: plan.onehot.map((c) => c.mean),
      mv_csd: plan.onehot.map((c) => c.std),
    },
  };
}

/** Reference mean and population std (stddevPopStable, ddof 0 as StandardScaler) of numerical features. */
export async function numericMoments(store: Store, src: Sql, names: string[]): Promise<Map<string, { mean: number; std: number; n: number }>> {
  const rows = await store.query<{ k: string; n: string; mean: number; std: number }>(
    `SELECT k, count() AS n, avg(v) AS mean, stddevPopStable(v) AS std FROM ${numericStream(src)} WHERE s = 0 AND has({mv_names:Array(String)}, k) GROUP BY k`,
    { ...src.params, mv_names: names },
  );
  return new Map(rows.map((r) => [r.k, { n: Number(r.n), mean: Number(r.mean), std: Number(r.std) }]));
}

/** Count, Σz and Σzzᵀ (row-major, d×d) over the reference. */
export async function referenceMoments(store: Store, src: Sql, plan: ColumnPlan): Promise<{ n: number; sum: number[]; cov: number[][] }> {
  const z = vectorSql(plan);
  const [row] = await store.query<{ n: string; s1: number[]; s2: number[] }>(
    `SELECT count() AS n, sumForEach(z) AS s1, sumForEach(arrayFlatten(arrayMap(a -> arrayMap(b -> a * b, z), z))) AS s2
     FROM (SELECT ${z.sql} AS z FROM ${src.sql} WHERE s = 0)`,
    { ...src.params, ...z.params },
  );
  const d = columnCount(plan);
  const n = Number(row?.n ?? 0);
  if (n === 0) return { n, sum: new Array(d).fill(0), cov: Array.from({ length: d }, () => new Array(d).fill(0)) };
  const sum = row!.s1.map(Number);
  const mean = sum.map((v) => v / n);
  // Centred by the sample mean as sklearn's PCA does (≈ 0 here, but not exactly once values are imputed).
  const cov = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => Number(row!.s2[i * d + j]) / n - mean[i]! * mean[j]!));
  return { n, sum, cov };
}

/** Mean reconstruction error ‖R (z − μ)‖ per (side, chunk), with row counts. */
export async function chunkErrors(store: Store, src: Sql, plan: ColumnPlan, residual: number[][], center: number[]): Promise<{ s: number; ch: number; n: number; error: number }[]> {
  const z = vectorSql(plan);
  const rows = await store.query<{ s: number; ch: number; n: string; e: number }>(
    `SELECT s, if(s = 0, ch, 0) AS c, count() AS n, avg(sqrt(arraySum(arrayMap(r -> pow(arrayDotProduct(r, zc), 2), {mv_r:Array(Array(Float64))})))) AS e
     FROM (SELECT s, ch, arrayMap((a, m) -> a - m, ${z.sql}, {mv_mu:Array(Float64)}) AS zc FROM ${src.sql})
     GROUP BY s, c ORDER BY s, c`,
    { ...src.params, ...z.params, mv_r: residual, mv_mu: center },
  );
  return rows.map((r) => ({ s: Number(r.s), ch: Number((r as unknown as { c: number }).c), n: Number(r.n), error: Number(r.e) }));
}

/** Up to `size` rows per side of `vectorExpr`, chosen by sipHash64(rid, seed): a seeded uniform sample. */
export async function vectorSample(store: Store, src: Sql, vector: Sql, size: number, seed: number, where = '1'): Promise<{ reference: number[][]; current: number[][] }> {
  const rows = await store.query<{ s: number; z: number[] }>(
    `SELECT s, z FROM (SELECT s, ${vector.sql} AS z, sipHash64(rid, {mv_seed:UInt64}) AS h FROM ${src.sql} WHERE ${where})
     ORDER BY s, h, z LIMIT {mv_size:UInt32} BY s`,
    { ...src.params, ...vector.params, mv_seed: seed, mv_size: size },
  );
  const out = { reference: [] as number[][], current: [] as number[][] };
  for (const r of rows) (Number(r.s) === 0 ? out.reference : out.current).push(r.z.map(Number));
  return out;
}
