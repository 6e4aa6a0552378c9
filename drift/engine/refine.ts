/**
 * The refinement pass: reads, value by value, only the grid cells that pass 2 could not settle —
 * cells that may hold the KS maximum and cells that hold a PSI/JS edge — and completes:
 *  - the exact two-sample KS statistic D = max_t |F_ref(t) − F_cur(t)| (SciPy's: ECDFs as i/n − j/m
 *    at the pooled values), walking each candidate cell from the counts below it;
 *  - the exact PSI/JS bin counts, adding the values of an edge's cell that are <= the edge.
 * One cheap prefilter per value (a hash lookup of its cell), then a small GROUP BY. Features with
 * more KS candidate cells than `maxCandidates` (config ksRefineMaxCells) take D from ClickHouse's
 * kolmogorovSmirnovTest instead (the same statistic, by sorting both samples).
 */
import type { Store } from '../../storage/store.js';
import { binsFrom, cellOf, type CellPlan, type NumericCells } from './cells.js';
import { TWO_LEVEL } from './profile.js';
import type { Sql } from './source.js';

// fi · 2^21 + cell: fi < 2^16 and cells <= 2^20, so ids stay below 2^37.
const cellId = (fi: number, key: number) => fi * 2097152 + key;

/** Completes bins0/bins1 of grid features and returns the exact KS statistic per feature. */
export async function refine(store: Store, stream: Sql, plans: CellPlan[], cells: Map<string, NumericCells>, maxCandidates: number): Promise<Map<string, number>> {
  const ks = new Map<string, number>();
  const wanted = new Map<number, { fi: number; key: number }>();
  const aggregate: number[] = [];
  plans.forEach((p, i) => {
    const c = cells.get(p.feature);
    if (!c) return;
    if (c.ks) ks.set(p.feature, c.ks.boundary);
    if (c.exact) return;
    for (const e of p.edges) wanted.set(cellId(i + 1, cellOf(p, e)), { fi: i + 1, key: cellOf(p, e) });
    if (!c.ks) return;
    if (c.ks.overflow || c.ks.candidates.length > maxCandidates) aggregate.push(i + 1);
    else for (const k of c.ks.candidates) wanted.set(cellId(i + 1, k.key), { fi: i + 1, key: k.key });
  });
  // Values of each wanted cell, ascending: [value, reference count, current count].
  const values = new Map<number, [number, number, number][]>();
  if (wanted.size) {
    const ids = [...wanted.keys()];
    const rows = await store.query<{ id: number; v: number; c0: string; c1: string }>(
      `SELECT id, v, countIf(s = 0) AS c0, countIf(s = 1) AS c1 FROM (
         SELECT s, v, {width:Array(Float64)}[fi] AS wd, toUInt64(fi) * 2097152 + toUInt64(if(wd > 0, floor((v - {lo:Array(Float64)}[fi]) / wd), 0)) AS id
         FROM ${stream.sql}
       ) WHERE wd > 0 AND transform(id, {ids:Array(UInt64)}, {one:Array(UInt8)}, toUInt8(0)) = 1
       GROUP BY id, v ORDER BY id, v`,
      { ...stream.params, width: plans.map((p) => p.width), lo: plans.map((p) => p.lo), ids, one: ids.map(() => 1) },
    );
    for (const r of rows) {
      const list = values.get(Number(r.id)) ?? [];
      values.set(Number(r.id), list);
      list.push([r.v, Number(r.c0), Number(r.c1)]);
    }
  }
  plans.forEach((p, i) => {
    const c = cells.get(p.feature);
    if (!c || c.exact) return;
    const le = p.edges.map((e, k): [number, number] => {
      let [a, b] = c.belowEdge[k]!;
      for (const [v, c0, c1] of values.get(cellId(i + 1, cellOf(p, e))) ?? []) {
        if (v > e) break;
        a += c0;
        b += c1;
      }
      return [a, b];
    });
    Object.assign(c, binsFrom(le, c.n0, c.n1));
    for (const k of aggregate.includes(i + 1) ? [] : (c.ks?.candidates ?? [])) {
      let a = k.below0;
      let b = k.below1;
      for (const [, c0, c1] of values.get(cellId(i + 1, k.key)) ?? []) {
        a += c0;
        b += c1;
        const d = Math.abs(a / c.n0 - b / c.n1);
        if (d > ks.get(p.feature)!) ks.set(p.feature, d);
      }
    }
  });
  if (aggregate.length) {
    const rows = await store.query<{ fi: number; d: number }>(
      `SELECT fi, kolmogorovSmirnovTest('two-sided', 'asymp')(v, s).1 AS d FROM ${stream.sql} WHERE has({agg:Array(UInt16)}, fi) GROUP BY fi ${TWO_LEVEL}`,
      { ...stream.params, agg: aggregate },
    );
    for (const r of rows) ks.set(plans[r.fi - 1]!.feature, r.d);
  }
  return ks;
}
