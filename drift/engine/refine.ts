/**
 * The refinement pass: reads, value by value, only the grid cells that pass 2 could not settle —
 * cells that may hold the KS maximum and cells that hold a PSI/JS edge — and completes, inside
 * ClickHouse, one row per such cell:
 *  - the largest |F_ref(t) − F_cur(t)| at the cell's values, walking them from the counts below
 *    the cell (SciPy's ECDFs: integer count / n at the pooled values), so D becomes exact;
 *  - per edge in the cell, both sides' counts of its values <= the edge, so bin counts are exact.
 * One hash lookup per value selects the cells; the result has one row per selected cell, however
 * many values they hold. Features with more KS candidate cells than `maxCandidates` (config
 * ksRefineMaxCells) take D from ClickHouse's kolmogorovSmirnovTest instead (same statistic, by
 * sorting both samples).
 */
import type { Store } from '../../storage/store.js';
import { binsFrom, cellOf, type CellPlan, type NumericCells } from './cells.js';
import { TWO_LEVEL } from './profile.js';
import type { Sql } from './source.js';
import { featureParams, indexedStream } from './streams.js';

// fi · 2^21 + cell: fi < 2^16 and cells <= 2^20, so ids stay below 2^37 (exact in a double).
const cellId = (fi: number, key: number) => fi * 2097152 + key;

interface Wanted {
  fi: number;
  below0: number;
  below1: number;
  edges: number[];
}

/** Completes bins0/bins1 of grid features and returns the exact KS statistic per feature. */
export async function refine(store: Store, stream: Sql, plans: CellPlan[], cells: Map<string, NumericCells>, maxCandidates: number): Promise<Map<string, number>> {
  const ks = new Map<string, number>();
  const wanted = new Map<number, Wanted>();
  const aggregate: number[] = [];
  plans.forEach((p, i) => {
    const c = cells.get(p.feature);
    if (!c) return;
    if (c.ks) ks.set(p.feature, c.ks.boundary);
    if (c.exact) return;
    const fi = i + 1;
    if (c.ks && (c.ks.overflow || c.ks.candidates.length > maxCandidates)) aggregate.push(fi);
    else for (const k of c.ks?.candidates ?? []) wanted.set(cellId(fi, k.key), { fi, below0: k.below0, below1: k.below1, edges: [] });
    p.edges.forEach((e, j) => {
      const id = cellId(fi, cellOf(p, e));
      const w = wanted.get(id) ?? { fi, below0: c.belowEdge[j]![0], below1: c.belowEdge[j]![1], edges: [] };
      w.edges.push(e);
      wanted.set(id, w);
    });
  });
  const within = new Map<number, { d: number; le: [number, number][] }>();
  if (wanted.size) {
    const ids = [...wanted.keys()];
    const list = [...wanted.values()];
    const n = (fi: number, side: 'n0' | 'n1') => cells.get(plans[fi - 1]!.feature)![side];
    const rows = await store.query<{ id: string | number; d: number | null; le: [string | number, string | number][] }>(
      `SELECT id,
         arrayMax(arrayMap((a, b) -> abs((a + {b0:Array(Float64)}[ix]) / {n0:Array(Float64)}[ix] - (b + {b1:Array(Float64)}[ix]) / {n1:Array(Float64)}[ix]), arrayCumSum(r), arrayCumSum(c))) AS d,
         arrayMap(e -> (arraySum(arrayFilter((x, v) -> v <= e, r, vs)), arraySum(arrayFilter((x, v) -> v <= e, c, vs))), {edges:Array(Array(Float64))}[ix]) AS le
       FROM (
         SELECT id, ix, arraySort(groupArray((v, c0, c1))) AS t, arrayMap(x -> x.1, t) AS vs, arrayMap(x -> x.2, t) AS r, arrayMap(x -> x.3, t) AS c
         FROM (
           SELECT id, ix, v, countIf(s = 0) AS c0, countIf(s = 1) AS c1 FROM (
             SELECT s, v, {width:Array(Float64)}[fi] AS wd, toUInt64(fi) * 2097152 + toUInt64(if(wd > 0, floor((v - {lo:Array(Float64)}[fi]) / wd), 0)) AS id,
               transform(id, {ids:Array(UInt64)}, {ixs:Array(UInt32)}, toUInt32(0)) AS ix
             FROM ${indexedStream(stream.sql)}
           ) WHERE wd > 0 AND ix > 0
           GROUP BY id, ix, v
         )
         GROUP BY id, ix
       )`,
      {
        ...stream.params,
        ...featureParams(plans.map((p) => p.feature)),
        width: plans.map((p) => p.width),
        lo: plans.map((p) => p.lo),
        ids,
        ixs: ids.map((_, i) => i + 1),
        // Counts as doubles: (count + below) / n is then the very division SciPy performs.
        b0: list.map((w) => w.below0),
        b1: list.map((w) => w.below1),
        n0: list.map((w) => n(w.fi, 'n0')),
        n1: list.map((w) => n(w.fi, 'n1')),
        edges: list.map((w) => w.edges),
      },
    );
    for (const r of rows) within.set(Number(r.id), { d: r.d ?? 0, le: r.le.map(([a, b]) => [Number(a), Number(b)]) });
  }
  for (const [id, w] of wanted) {
    const feature = plans[w.fi - 1]!.feature;
    const got = within.get(id);
    if (got && ks.has(feature) && !aggregate.includes(w.fi) && got.d > ks.get(feature)!) ks.set(feature, got.d);
  }
  plans.forEach((p, i) => {
    const c = cells.get(p.feature);
    if (!c || c.exact) return;
    const le = p.edges.map((e, j): [number, number] => {
      const id = cellId(i + 1, cellOf(p, e));
      const inCell = within.get(id)?.le[wanted.get(id)!.edges.indexOf(e)] ?? [0, 0];
      return [c.belowEdge[j]![0] + inCell[0], c.belowEdge[j]![1] + inCell[1]];
    });
    Object.assign(c, binsFrom(le, c.n0, c.n1));
  });
  if (aggregate.length) {
    const rows = await store.query<{ fi: number; d: number }>(
      `SELECT fi, kolmogorovSmirnovTest('two-sided', 'asymp')(v, s).1 AS d FROM ${indexedStream(stream.sql)} WHERE has({agg:Array(UInt16)}, fi) GROUP BY fi ${TWO_LEVEL}`,
      { ...stream.params, ...featureParams(plans.map((p) => p.feature)), agg: aggregate },
    );
    for (const r of rows) ks.set(plans[r.fi - 1]!.feature, r.d);
  }
  return ks;
}
