/**
 * The in-database half of embedding drift. The vectors are read from `prediction_embeddings` and
 * `drift_reference_embeddings` (one row per vector, plain Array(Float32), ordered by model, name,
 * time / upload row: migration 240), never from the predictions' Map column, which costs ~20× more
 * to read. Each pass aggregates:
 *   - `embeddingDims`: rows per side and vector length (the dimension is the reference's most common);
 *   - `chunkMeans`: the mean vector per side and reference chunk, and the KS sample's ranges;
 *   - `componentKs`: per component, the two-sample KS statistic on a grid of `cells` equal cells over
 *     the sample's pooled range (D at the cell bounds: exact for values on at most `cells` distinct
 *     points, otherwise a lower bound of the exact D, within the largest cell mass), on a seeded
 *     sample of about `ratio.sampleSize` vectors a side (`ksSample`).
 * Only vectors of means and per-component numbers reach Node.
 */
import type { Store } from '../../storage/store.js';
import type { SideSpec, SourceScope, Sql } from './source.js';

/**
 * The vectors of both sides as (s, ch, rid, k, d, v): side, reference chunk, row identity hash (as
 * source.ts computes it, so seeded samples pick the same rows), name, length and vector. With
 * `name`, only that name's rows are read (a range scan of the sorting key).
 */
export function embeddingSource(ref: SideSpec, cur: SideSpec, scope: SourceScope, name?: string): Sql {
  const a = side(0, ref, scope, name);
  const b = side(1, cur, scope, name);
  return { sql: `(${a.sql}\n  UNION ALL\n  ${b.sql})`, params: { ...a.params, ...b.params } };
}

function side(s: 0 | 1, spec: SideSpec, scope: SourceScope, name: string | undefined): Sql {
  const p = `e${s}_`;
  const params: Record<string, unknown> = { [`${p}model`]: scope.model };
  const chunks = Math.max(1, scope.chunks ?? 1);
  let where = `model = {${p}model:String}`;
  if (name !== undefined) {
    where += ` AND name = {${p}name:String}`;
    params[`${p}name`] = name;
  }
  if (scope.segment) {
    where += ` AND mapContains(segments, {${p}sn:String}) AND segments[{${p}sn:String}] = {${p}sv:String}`;
    params[`${p}sn`] = scope.segment.name;
    params[`${p}sv`] = scope.segment.value;
  }
  // The length from the array's size subcolumn: counting dimensions (and filtering on them) reads no vector.
  const cols = (ch: string, rid: string) => `${s} AS s, ${ch} AS ch, ${rid} AS rid, name AS k, vector.size0 AS d, vector AS v`;
  if (spec.kind === 'upload') {
    params[`${p}ver`] = spec.version;
    const chunk = chunks > 1 ? `least(${chunks - 1}, toUInt32(intDiv(row * ${chunks}, greatest(${Math.max(1, spec.rows)}, 1))))` : '0';
    return { sql: `SELECT ${cols(chunk, 'cityHash64(row)')} FROM ${scope.db}.drift_reference_embeddings FINAL WHERE ${where} AND version = {${p}ver:String}`, params };
  }
  params[`${p}from`] = spec.fromMs;
  params[`${p}to`] = spec.toMs;
  where += ` AND ts >= fromUnixTimestamp64Milli({${p}from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({${p}to:Int64}, 'UTC')`;
  if (spec.modelVersion !== undefined) {
    where += ` AND model_version = {${p}mv:String}`;
    params[`${p}mv`] = spec.modelVersion;
  }
  let chunk = '0';
  if (chunks > 1 && scope.chunkBounds) {
    params[`${p}bounds`] = scope.chunkBounds;
    chunk = `toUInt32(arrayCount(b -> b <= toUnixTimestamp64Milli(ts), {${p}bounds:Array(Int64)}))`;
  }
  return { sql: `SELECT ${cols(chunk, 'cityHash64(prediction_id)')} FROM ${scope.db}.prediction_embeddings FINAL WHERE ${where}`, params };
}

export async function embeddingDims(store: Store, src: Sql): Promise<{ name: string; s: number; dim: number; n: number }[]> {
  const rows = await store.query<{ k: string; s: number; d: number; n: string }>(`SELECT k, s, d, count() AS n FROM ${src.sql} GROUP BY k, s, d ORDER BY k, s, n DESC, d`, src.params);
  return rows.map((r) => ({ name: r.k, s: Number(r.s), dim: Number(r.d), n: Number(r.n) }));
}

/** The rows of one dimension (of a source read for one name), as (s, ch, rid, v). */
export function embeddingRows(src: Sql, dim: number): Sql {
  return { sql: `(SELECT s, ch, rid, v FROM ${src.sql} WHERE d = {em_dim:UInt32})`, params: { ...src.params, em_dim: dim } };
}

/**
 * The KS sample: a row of side s is kept when the hash of (rid, seed), as a share of its range, is
 * below p_s = size / (side's rows), or always when p_s >= 1. Seeded, so a report is reproducible.
 */
export interface KsSample {
  p0: number;
  p1: number;
  seed: number;
}

/** The sample of about `size` vectors a side (0: every vector) of sides holding n0 and n1. */
export function ksSample(n0: number, n1: number, size: number, seed: number): KsSample {
  const share = (n: number) => (size > 0 && n > size ? size / n : 1);
  return { p0: share(n0), p1: share(n1), seed };
}

function sampled(k: KsSample): Sql {
  return {
    sql: `(if(s = 0, {em_p0:Float64}, {em_p1:Float64}) >= 1 OR cityHash64(rid, {em_seed:UInt64}) / 18446744073709551616. < if(s = 0, {em_p0:Float64}, {em_p1:Float64}))`,
    params: { em_p0: k.p0, em_p1: k.p1, em_seed: k.seed },
  };
}

export interface ChunkMeans {
  s: number;
  ch: number;
  n: number;
  mean: number[];
  /** Per component the minimum and maximum over the KS sample's rows of the chunk (the grid's range); empty when it has none. */
  lo: number[];
  hi: number[];
}

/**
 * Per side and reference chunk: the mean vector over every row, and the KS sample's ranges, in one
 * pass. sumForEach then a division in Node is what avgForEach does (Float64 sums); the minimum and
 * maximum are taken over the sample only, as they cost twice the sums per row (bench).
 */
export async function chunkMeans(store: Store, rows: Sql, sample: KsSample): Promise<ChunkMeans[]> {
  const cond = sampled(sample);
  const out = await store.query<{ s: number; c: number; n: string; m: number[]; lo: number[]; hi: number[] }>(
    `SELECT s, if(s = 0, ch, 0) AS c, count() AS n, sumForEach(v) AS m, minForEachIf(v, ${cond.sql}) AS lo, maxForEachIf(v, ${cond.sql}) AS hi FROM ${rows.sql} GROUP BY s, c ORDER BY s, c`,
    { ...rows.params, ...cond.params },
  );
  return out.map((r) => {
    const n = Number(r.n);
    return { s: Number(r.s), ch: Number(r.c), n, mean: r.m.map((x) => Number(x) / n), lo: r.lo.map(Number), hi: r.hi.map(Number) };
  });
}

/**
 * Per component the grid KS statistic on the sample (the same rows whose ranges `means` holds).
 * Returns the sample's sizes, which the p-values must use.
 */
export async function componentKs(store: Store, rows: Sql, cells: number, means: ChunkMeans[], sample: KsSample): Promise<{ n0: number; n1: number; d: number[] }> {
  const ranged = means.filter((m) => m.lo.length > 0);
  if (ranged.length === 0) return { n0: 0, n1: 0, d: [] };
  const dim = ranged[0]!.lo.length;
  const lo = Array.from({ length: dim }, (_, i) => Math.min(...ranged.map((m) => m.lo[i]!)));
  const width = Array.from({ length: dim }, (_, i) => (Math.max(...ranged.map((m) => m.hi[i]!)) - lo[i]!) / cells);
  const cond = sampled(sample);
  // Each component value becomes one integer key (side, component, cell), computed on the whole
  // array before the ARRAY JOIN, so the heavy GROUP BY is on a single UInt32 (≈2× faster than
  // grouping the joined rows by component and cell). The sample is drawn before the ARRAY JOIN,
  // whose rows (vectors × components) are the cost; the sides' sizes come back with the counts.
  const out = await store.query<{ i: number; d: number; n0: string; n1: string }>(
    `SELECT i, toUInt64(arraySum(arrayMap(x -> x.2, cs))) AS n0, toUInt64(arraySum(arrayMap(x -> x.3, cs))) AS n1,
       arrayMax(arrayMap((a, b) -> abs(a / greatest(n0, 1) - b / greatest(n1, 1)), arrayCumSum(arrayMap(x -> x.2, cs)), arrayCumSum(arrayMap(x -> x.3, cs)))) AS d
     FROM (
       SELECT i, arraySort(groupArray((cell, a, b))) AS cs FROM (
         SELECT intDiv(key, {em_cells:UInt32}) % {em_dim:UInt32} AS i, key % {em_cells:UInt32} AS cell,
           sumIf(n, intDiv(key, {em_cells:UInt32}) < {em_dim:UInt32}) AS a, sumIf(n, intDiv(key, {em_cells:UInt32}) >= {em_dim:UInt32}) AS b
         FROM (
           SELECT key, count() AS n FROM (
             SELECT arrayMap((x, l, w, j) -> toUInt32((s * {em_dim:UInt32} + j) * {em_cells:UInt32} + if(w > 0, least({em_cells:UInt32} - 1, toUInt32(greatest(0, (x - l) / w))), 0)),
                             v, {em_lo:Array(Float64)}, {em_w:Array(Float64)}, range({em_dim:UInt32})) AS ks
             FROM ${rows.sql}
             WHERE ${cond.sql}
           ) ARRAY JOIN ks AS key GROUP BY key
         ) GROUP BY i, cell
       ) GROUP BY i
     ) ORDER BY i`,
    { ...rows.params, ...cond.params, em_lo: lo, em_w: width, em_cells: cells },
  );
  return { n0: Number(out[0]?.n0 ?? 0), n1: Number(out[0]?.n1 ?? 0), d: out.map((r) => Number(r.d)) };
}
