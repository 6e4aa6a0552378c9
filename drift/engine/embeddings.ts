/**
 * The in-database half of embedding drift: for one embedding name, every pass reads `em[name]`
 * (Array(Float32)) of rows whose vector has the name's dimension, and aggregates:
 *   - `embeddingDims`: rows per side and vector length (the dimension is the reference's most common);
 *   - `chunkMeans`: the mean vector (avgForEach) per side and reference chunk;
 *   - `componentKs`: per component, the two-sample KS statistic on a grid of `cells` equal cells over
 *     the pooled range (D at the cell bounds: exact for values on at most `cells` distinct points,
 *     otherwise a lower bound of the exact D, within the largest cell mass).
 * Only vectors of means and per-component numbers reach Node.
 */
import type { Store } from '../../storage/store.js';
import type { Sql } from './source.js';

export async function embeddingDims(store: Store, src: Sql): Promise<{ name: string; s: number; dim: number; n: number }[]> {
  const rows = await store.query<{ k: string; s: number; d: number; n: string }>(
    // The lengths come from the map's size subcolumn: the vectors themselves are not read.
    `SELECT k, s, d, count() AS n FROM ${src.sql} ARRAY JOIN em.keys AS k, em.values.size1 AS d GROUP BY k, s, d ORDER BY k, s, n DESC, d`,
    src.params,
  );
  return rows.map((r) => ({ name: r.k, s: Number(r.s), dim: Number(r.d), n: Number(r.n) }));
}

/** The rows of one embedding name and dimension, as (s, ch, rid, v). */
export function embeddingRows(src: Sql, name: string, dim: number): Sql {
  return {
    sql: `(SELECT s, ch, rid, em[{em_name:String}] AS v FROM ${src.sql} WHERE mapContains(em, {em_name:String}) AND length(em[{em_name:String}]) = {em_dim:UInt32})`,
    params: { ...src.params, em_name: name, em_dim: dim },
  };
}

/** Per side and reference chunk: the mean vector, and per component the minimum and maximum (the KS grid's range). */
export async function chunkMeans(store: Store, rows: Sql): Promise<{ s: number; ch: number; n: number; mean: number[]; lo: number[]; hi: number[] }[]> {
  const out = await store.query<{ s: number; c: number; n: string; m: number[]; lo: number[]; hi: number[] }>(
    `SELECT s, if(s = 0, ch, 0) AS c, count() AS n, avgForEach(v) AS m, minForEach(v) AS lo, maxForEach(v) AS hi FROM ${rows.sql} GROUP BY s, c ORDER BY s, c`,
    rows.params,
  );
  return out.map((r) => ({ s: Number(r.s), ch: Number(r.c), n: Number(r.n), mean: r.m.map(Number), lo: r.lo.map(Number), hi: r.hi.map(Number) }));
}

/** Per component the grid KS statistic; `means` (chunkMeans) gives the sizes and the pooled range. */
export async function componentKs(store: Store, rows: Sql, cells: number, means: Awaited<ReturnType<typeof chunkMeans>>): Promise<{ n0: number; n1: number; d: number[] }> {
  if (means.length === 0) return { n0: 0, n1: 0, d: [] };
  const dim = means[0]!.lo.length;
  const lo = Array.from({ length: dim }, (_, i) => Math.min(...means.map((m) => m.lo[i]!)));
  const width = Array.from({ length: dim }, (_, i) => (Math.max(...means.map((m) => m.hi[i]!)) - lo[i]!) / cells);
  const n0 = means.filter((m) => m.s === 0).reduce((a, m) => a + m.n, 0);
  const n1 = means.filter((m) => m.s === 1).reduce((a, m) => a + m.n, 0);
  // Each component value becomes one integer key (side, component, cell), computed on the whole
  // array before the ARRAY JOIN, so the heavy GROUP BY is on a single UInt32 (≈2× faster than
  // grouping the joined rows by component and cell).
  const out = await store.query<{ i: number; d: number }>(
    `SELECT i, arrayMax(arrayMap((a, b) -> abs(a / {em_n0:Float64} - b / {em_n1:Float64}), arrayCumSum(arrayMap(x -> x.2, cs)), arrayCumSum(arrayMap(x -> x.3, cs)))) AS d
     FROM (
       SELECT i, arraySort(groupArray((cell, a, b))) AS cs FROM (
         SELECT intDiv(key, {em_cells:UInt32}) % {em_dim:UInt32} AS i, key % {em_cells:UInt32} AS cell,
           sumIf(n, intDiv(key, {em_cells:UInt32}) < {em_dim:UInt32}) AS a, sumIf(n, intDiv(key, {em_cells:UInt32}) >= {em_dim:UInt32}) AS b
         FROM (
           SELECT key, count() AS n FROM (
             SELECT arrayMap((x, l, w, j) -> toUInt32((s * {em_dim:UInt32} + j) * {em_cells:UInt32} + if(w > 0, least({em_cells:UInt32} - 1, toUInt32(greatest(0, (x - l) / w))), 0)),
                             v, {em_lo:Array(Float64)}, {em_w:Array(Float64)}, range({em_dim:UInt32})) AS ks
             FROM ${rows.sql}
           ) ARRAY JOIN ks AS key GROUP BY key
         ) GROUP BY i, cell
       ) GROUP BY i
     ) ORDER BY i`,
    { ...rows.params, em_lo: lo, em_w: width, em_cells: cells, em_n0: n0, em_n1: n1 },
  );
  return { n0, n1, d: out.map((r) => Number(r.d)) };
}
