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
    `SELECT k, s, length(v) AS d, count() AS n FROM ${src.sql} ARRAY JOIN em.keys AS k, em.values AS v GROUP BY k, s, d ORDER BY k, s, n DESC, d`,
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

export async function chunkMeans(store: Store, rows: Sql): Promise<{ s: number; ch: number; n: number; mean: number[] }[]> {
  const out = await store.query<{ s: number; c: number; n: string; m: number[] }>(
    `SELECT s, if(s = 0, ch, 0) AS c, count() AS n, avgForEach(v) AS m FROM ${rows.sql} GROUP BY s, c ORDER BY s, c`,
    rows.params,
  );
  return out.map((r) => ({ s: Number(r.s), ch: Number(r.c), n: Number(r.n), mean: r.m.map(Number) }));
}

export async function componentKs(store: Store, rows: Sql, cells: number): Promise<{ n0: number; n1: number; d: number[] }> {
  const [range] = await store.query<{ lo: number[]; hi: number[]; n0: string; n1: string }>(
    `SELECT minForEach(v) AS lo, maxForEach(v) AS hi, countIf(s = 0) AS n0, countIf(s = 1) AS n1 FROM ${rows.sql}`,
    rows.params,
  );
  if (!range || range.lo.length === 0) return { n0: 0, n1: 0, d: [] };
  const lo = range.lo.map(Number);
  const width = range.hi.map((h, i) => (Number(h) - lo[i]!) / cells);
  const n0 = Number(range.n0);
  const n1 = Number(range.n1);
  const out = await store.query<{ i: number; d: number }>(
    `SELECT i, arrayMax(arrayMap((a, b) -> abs(a / {em_n0:Float64} - b / {em_n1:Float64}), arrayCumSum(arrayMap(x -> x.2, cs)), arrayCumSum(arrayMap(x -> x.3, cs)))) AS d
     FROM (
       SELECT i, arraySort(groupArray((cell, a, b))) AS cs FROM (
         SELECT i, if(w > 0, least({em_cells:UInt32} - 1, toUInt32(greatest(0, (x - l) / w))), 0) AS cell, countIf(s = 0) AS a, countIf(s = 1) AS b
         FROM (SELECT s, v FROM ${rows.sql}) ARRAY JOIN v AS x, arrayEnumerate(v) AS i, {em_lo:Array(Float64)} AS l, {em_w:Array(Float64)} AS w
         GROUP BY i, cell
       ) GROUP BY i
     ) ORDER BY i`,
    { ...rows.params, em_lo: lo, em_w: width, em_cells: cells, em_n0: n0, em_n1: n1 },
  );
  return { n0, n1, d: out.map((r) => Number(r.d)) };
}
