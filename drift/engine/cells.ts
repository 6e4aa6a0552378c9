/**
 * Numeric pass 2 (cells). Every value falls in a grid cell of width (max − min) / cells, or — for
 * small samples and low-cardinality features — in a cell of its own (its exact value). Per cell
 * both sides' counts and the pooled min and max.
 * From the ordered cells the same query integrates W1 = ∫|F_ref − F_cur| dt: between cells both
 * ECDFs are known exactly; inside a cell they are monotone between known ends, which gives a
 * rigorous [lower, upper] and an estimate (linear ECDFs inside the cell). A cell holding a single
 * distinct value has width 0 and adds no uncertainty, so W1 is exact in exact mode.
 * The same pass bounds the KS statistic: |F_ref − F_cur| is exact at every cell's maximum, and a
 * cell can hold a larger value only if its interior bound exceeds that; those few candidate cells,
 * and the cells holding a PSI/JS edge, are read value by value by refine.ts.
 */
import type { Store } from '../../storage/store.js';
import { TWO_LEVEL } from './profile.js';
import type { Sql } from './source.js';
import { featureParams, indexedStream } from './streams.js';

/** How pass 2 cuts one feature: PSI/JS edges, and a grid (width > 0) or exact values (width 0). */
export interface CellPlan {
  feature: string;
  edges: number[];
  lo: number;
  width: number;
}

/** Grid cell of a value (or of an edge): floor((x − lo) / width), monotone in x. */
export const cellOf = (p: CellPlan, x: number) => Math.floor((x - p.lo) / p.width);

export interface NumericCells {
  n0: number;
  n1: number;
  /** Counts per PSI/JS bin (edges.length + 1 entries), complete after the refinement pass. */
  bins0: number[];
  bins1: number[];
  /** W1 estimate and rigorous bounds; null unless both sides have values. */
  w1: { value: number; lower: number; upper: number } | null;
  /** Exact value → [reference count, current count]; only for features cut into exact values with few cells. */
  values: Map<number, [number, number]> | null;
  /**
   * Per edge, the counts of both sides at or below it (exact values) or below its cell (grid: the
   * cell holding the edge is split by the refinement pass).
   */
  belowEdge: [number, number][];
  /** max |F_ref − F_cur| over the cells' maxima (exact there), and the cells whose interior may exceed it. */
  ks: { boundary: number; candidates: KsCandidate[]; overflow: boolean } | null;
  exact: boolean;
}

/** A grid cell to read value by value, with both sides' counts below it. */
export interface KsCandidate {
  key: number;
  below0: number;
  below1: number;
}

/** At most this many candidate cells per feature are refined; beyond, the KS aggregate is used. */
export const KS_MAX_CANDIDATES = 5000;

type Count = string | number;
interface CellsRow {
  fi: number;
  n0: Count;
  n1: Count;
  small: [number, Count, Count, number, number][];
  exact_mode: number;
  w_gap: number | null;
  w_lo: number | null;
  w_up: number | null;
  w_est: number | null;
  ks_b: number | null;
  ks_keys: number[];
  ks_b0: Count[];
  ks_b1: Count[];
  le0: Count[];
  le1: Count[];
}

// Inside a cell both ECDFs taken as linear between their known ends: ∫|d| for d linear from
// d0 = p0 − u0 to d1 = p1 − u1 (per unit width), exact also when d changes sign.
const CELL_ESTIMATE = `if((p0 - u0) * (p1 - u1) >= 0, (abs(p0 - u0) + abs(p1 - u1)) / 2,
      ((p0 - u0) * (p0 - u0) + (p1 - u1) * (p1 - u1)) / (2 * (abs(p0 - u0) + abs(p1 - u1))))`;

/** SQL for the W1 estimate between two count arrays over the same ordered cells (bounds omitted). */
export function w1EstimateSql(r: string, c: string, n0: string, n1: string, lo: string, hi: string): string {
  const a1 = `arrayMap(z -> z / (${n0}), arrayCumSum(${r}))`;
  const a0 = `arrayMap((z, w) -> (z - w) / (${n0}), arrayCumSum(${r}), ${r})`;
  const q1 = `arrayMap(z -> z / (${n1}), arrayCumSum(${c}))`;
  const q0 = `arrayMap((z, w) -> (z - w) / (${n1}), arrayCumSum(${c}), ${c})`;
  return `(arraySum(arrayMap((x, y, l, h) -> abs(x - y) * (l - h), ${a1}, ${q1}, arrayPushBack(arrayPopFront(${lo}), (${hi})[-1]), ${hi}))
    + arraySum(arrayMap((p0, p1, u0, u1, l, h) -> (h - l) * ${CELL_ESTIMATE}, ${a0}, ${a1}, ${q0}, ${q1}, ${lo}, ${hi})))`;
}

// The W1 integral over the ordered cells (see the file comment); a0/a1 (q0/q1) are the reference
// (current) ECDF just before and just after each cell, computed as integer count / n like SciPy.
const W1_SQL = `
  arrayMap(x -> x.1, cells) AS keys, arrayMap(x -> x.2, cells) AS r, arrayMap(x -> x.3, cells) AS c,
  arrayMap(x -> x.4, cells) AS clo, arrayMap(x -> x.5, cells) AS chi,
  arrayCumSum(r) AS cr, arrayCumSum(c) AS cc,
  arrayMap(x -> x / n0, cr) AS a1, arrayMap((x, y) -> (x - y) / n0, cr, r) AS a0,
  arrayMap(x -> x / n1, cc) AS q1, arrayMap((x, y) -> (x - y) / n1, cc, c) AS q0,
  arrayPushBack(arrayPopFront(clo), chi[-1]) AS nxt,
  arraySum(arrayMap((x, y, l, h) -> abs(x - y) * (l - h), a1, q1, nxt, chi)) AS w_gap,
  arraySum(arrayMap((p0, p1, u0, u1, l, h) -> (h - l) * greatest(0., p0 - u1, u0 - p1), a0, a1, q0, q1, clo, chi)) AS w_lo,
  arraySum(arrayMap((p0, p1, u0, u1, l, h) -> (h - l) * greatest(p1 - u0, u1 - p0), a0, a1, q0, q1, clo, chi)) AS w_up,
  arraySum(arrayMap((p0, p1, u0, u1, l, h) -> (h - l) * ${CELL_ESTIMATE}, a0, a1, q0, q1, clo, chi)) AS w_est,
  arrayMax(arrayMap((x, y) -> abs(x - y), a1, q1)) AS ks_b,
  arrayMap((l, h, p0, p1, u0, u1) -> l < h AND greatest(p1 - u0, u1 - p0) > ks_b, clo, chi, a0, a1, q0, q1) AS ks_mask,
  arraySlice(arrayFilter((x, m) -> m, keys, ks_mask), 1, ${KS_MAX_CANDIDATES + 1}) AS ks_keys,
  arraySlice(arrayFilter((x, m) -> m, arrayMap((x, y) -> x - y, cr, r), ks_mask), 1, ${KS_MAX_CANDIDATES + 1}) AS ks_b0,
  arraySlice(arrayFilter((x, m) -> m, arrayMap((x, y) -> x - y, cc, c), ks_mask), 1, ${KS_MAX_CANDIDATES + 1}) AS ks_b1,
  {targets:Array(Array(Float64))}[fi] AS tg,
  arrayMap(t -> arraySum(arrayFilter((x, k) -> if(exact_mode, k <= t, k < t), r, keys)), tg) AS le0,
  arrayMap(t -> arraySum(arrayFilter((x, k) -> if(exact_mode, k <= t, k < t), c, keys)), tg) AS le1`;

const CELL_ID_SHIFT = 4294967296; // fi · 2^32 + cell: cells < 2^21, so ids never collide

/**
 * SQL that cuts numeric values into cells split at the PSI/JS edges, for the learned-threshold
 * chunks (which need bin counts per chunk in one pass): `values(stream)` adds per value the cell
 * `key`, the sub-cell `sub` (edges of its cell below it, found by one hash lookup per value) and
 * `wd` (0 in exact mode); `bin` is the bin of a (fi, key, sub) group.
 */
export function cellSql(plans: CellPlan[]) {
  const edgeCells: number[][] = [];
  const cid: number[] = [];
  const cedges: number[][] = [];
  plans.forEach((p, i) => {
    const cells = p.width > 0 ? p.edges.map((e) => Math.floor((e - p.lo) / p.width)) : [];
    edgeCells.push(cells);
    const byCell = new Map<number, number[]>();
    cells.forEach((c, j) => byCell.set(c, [...(byCell.get(c) ?? []), p.edges[j]!]));
    for (const [c, es] of byCell) {
      cid.push((i + 1) * CELL_ID_SHIFT + c);
      cedges.push(es);
    }
  });
  return {
    values: (stream: string) => `(
      SELECT s, fi, v, ch, {width:Array(Float64)}[fi] AS wd,
        if(wd = 0, v, floor((v - {lo:Array(Float64)}[fi]) / wd)) AS key,
        transform(toUInt64(fi) * ${CELL_ID_SHIFT} + toUInt64(if(wd = 0, 0, key)), {cid:Array(UInt64)}, {cix:Array(UInt32)}, toUInt32(0)) AS ci,
        if(ci = 0, 0, arrayCount(e -> e < v, {cedges:Array(Array(Float64))}[ci])) AS sub
      FROM ${indexedStream(stream)})`,
    bin: `if(wd = 0, arrayCount(e -> e < key, {edges:Array(Array(Float64))}[fi]), arrayCount(x -> x < key, {ecells:Array(Array(Float64))}[fi]) + sub)`,
    params: {
      ...featureParams(plans.map((p) => p.feature)),
      width: plans.map((p) => p.width),
      lo: plans.map((p) => p.lo),
      edges: plans.map((p) => p.edges),
      ecells: edgeCells,
      cid: cid.length ? cid : [0],
      cix: cid.length ? cid.map((_, i) => i + 1) : [0],
      cedges: cedges.length ? cedges : [[]],
    },
  };
}

/** Bin counts from the counts at or below each edge (right-closed bins). */
export function binsFrom(le: [number, number][], n0: number, n1: number): { bins0: number[]; bins1: number[] } {
  const side = (k: 0 | 1, n: number) => [...le.map((x) => x[k]), n].map((x, i, a) => x - (i ? a[i - 1]! : 0));
  return { bins0: side(0, n0), bins1: side(1, n1) };
}

/**
 * Pass 2 over a numeric stream (s, k, v, ch) for the planned features: one group per (feature, cell). PSI/JS
 * bin counts come from the counts below each edge: exact for exact-value cells; for a grid, the
 * counts below the cell holding the edge here, and that cell's values from the refinement pass.
 */
export async function numericCells(store: Store, stream: Sql, plans: CellPlan[]): Promise<Map<string, NumericCells>> {
  const out = new Map<string, NumericCells>();
  if (plans.length === 0) return out;
  const rows = await store.query<CellsRow>(
    `WITH ${W1_SQL}
    SELECT fi, n0, n1, exact_mode, if(exact_mode AND length(cells) <= 64, cells, []) AS small, w_gap, w_lo, w_up, w_est, ks_b, ks_keys, ks_b0, ks_b1, le0, le1
    FROM (
      SELECT fi, sum(c0) AS n0, sum(c1) AS n1, {width:Array(Float64)}[fi] = 0 AS exact_mode, arraySort(x -> x.1, groupArray((key, c0, c1, clo, chi))) AS cells
      FROM (
        -- No per-group copy of the width (a function of fi): one aggregate state less in the
        -- largest hash table of a report (features × cells groups).
        SELECT fi, key, count() - sum(s) AS c0, sum(s) AS c1, min(v) AS clo, max(v) AS chi
        FROM (SELECT s, fi, v, {width:Array(Float64)}[fi] AS wd, if(wd = 0, v, floor((v - {lo:Array(Float64)}[fi]) / wd)) AS key FROM ${indexedStream(stream.sql)})
        GROUP BY fi, key
      )
      GROUP BY fi
      ${TWO_LEVEL}
    )`,
    {
      ...stream.params,
      ...featureParams(plans.map((p) => p.feature)),
      width: plans.map((p) => p.width),
      lo: plans.map((p) => p.lo),
      targets: plans.map((p) => (p.width > 0 ? p.edges.map((e) => cellOf(p, e)) : p.edges)),
    },
  );
  for (const r of rows) {
    const plan = plans[r.fi - 1]!;
    const n0 = Number(r.n0);
    const n1 = Number(r.n1);
    let values: NumericCells['values'] = null;
    if (r.exact_mode && r.small.length > 0) values = new Map(r.small.map(([key, c0, c1]) => [key, [Number(c0), Number(c1)]]));
    const finite = [r.w_gap, r.w_lo, r.w_up, r.w_est].every((x) => x !== null && Number.isFinite(x));
    const belowEdge = r.le0.map((x, i) => [Number(x), Number(r.le1[i])] as [number, number]);
    out.set(plan.feature, {
      n0,
      n1,
      exact: !!r.exact_mode,
      ...(r.exact_mode ? binsFrom(belowEdge, n0, n1) : { bins0: [], bins1: [] }),
      w1: n0 > 0 && n1 > 0 && finite ? { value: r.w_gap! + r.w_est!, lower: r.w_gap! + r.w_lo!, upper: r.w_gap! + r.w_up! } : null,
      values,
      belowEdge,
      ks:
        n0 > 0 && n1 > 0 && r.ks_b !== null
          ? {
              boundary: r.ks_b,
              overflow: r.ks_keys.length > KS_MAX_CANDIDATES,
              candidates: r.ks_keys.slice(0, KS_MAX_CANDIDATES).map((key, i) => ({ key, below0: Number(r.ks_b0[i]), below1: Number(r.ks_b1[i]) })),
            }
          : null,
    });
  }
  return out;
}
