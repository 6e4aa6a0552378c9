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
import { randomBytes } from 'node:crypto';
import type { Store } from '../../storage/store.js';
import { TMP_PREFIX } from './collect.js';
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

/** A finite number as an SQL Float64 literal (JS's shortest round-trip form, which ClickHouse parses exactly). */
function lit(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`non-finite coefficient ${v}`);
  return `toFloat64('${String(v)}')`;
}

/**
 * The planned features of each row as dense arrays, in plan order: `xn` the numbers (NaN where
 * absent), `xc` the categories ('' where absent, as a map lookup of a missing key gives). A map
 * lookup `nf[k]` scans the row's keys, so d lookups cost d × keys string comparisons per row (10⁴
 * at 100 features, which dominated the multivariate passes); here each key is looked up once in a
 * hash table (transform) and the row's values are sorted into plan order (a row's keys are unique:
 * they come from an event's feature object). Rows lacking a planned feature (rare) take the slower
 * per-column path; short-circuit evaluation keeps it off the others.
 */
function denseSql(src: Sql, plan: ColumnPlan, where: string): Sql {
  const numNames = plan.numeric.map((c) => c.name);
  const catNames = [...new Set(plan.onehot.map((c) => c.name))];
  const dense = (map: string, names: string[], key: string, missing: string) => {
    if (names.length === 0) return `CAST([], 'Array(${missing === 'nan' ? 'Float64' : 'String'})')`;
    const pos = `arrayMap(k -> transform(k, {${key}:Array(String)}, {${key}_i:Array(UInt32)}, toUInt32(0)), ${map}.keys)`;
    const ps = `arrayFilter(p -> p > 0, ${pos})`;
    const vs = `arrayFilter((v, p) -> p > 0, ${map}.values, ${pos})`;
    return `if(length(${ps}) = ${names.length}, arraySort((v, p) -> p, ${vs}, ${ps}), arrayMap(j -> if(has(${ps}, j), ${vs}[indexOf(${ps}, j)], ${missing}), range(1, ${names.length + 1})))`;
  };
  return {
    sql: `(SELECT s, ch, rid, ${dense('nf', numNames, 'mv_nk', 'nan')} AS xn, ${dense('cf', catNames, 'mv_ck', "''")} AS xc FROM ${src.sql} WHERE ${where})`,
    params: {
      ...src.params,
      mv_nk: numNames,
      mv_nk_i: numNames.map((_, i) => i + 1),
      mv_ck: catNames,
      mv_ck_i: catNames.map((_, i) => i + 1),
      mv_cv: plan.onehot.map((c) => c.value),
    },
  };
}

/** Short-circuit `if`, so the slow branch of denseSql runs only for rows that need it. */
export const DENSE_SETTINGS = "SETTINGS short_circuit_function_evaluation = 'force_enable'";

/**
 * Rows per block for Σzzᵀ: the engine computes all d(d+1)/2 products of a block before summing them,
 * 8 bytes per product and row (a 65,536-row block at d = 100: 2.6 GB), so blocks are cut to keep
 * those temporaries near 256 MiB.
 */
export const momentBlockRows = (d: number) => Math.max(256, Math.floor(2 ** 28 / (8 * ((d * (d + 1)) / 2))));

/**
 * No JIT for the wide statements: from its fourth run (min_count_to_compile_aggregate_expression) the
 * engine compiles a statement's aggregates with LLVM, and for Σzzᵀ's 5,050 sums at 100 columns that
 * took 180 s (measured; 2 s without), so a schedule re-running the same report would stall on it.
 */
export const NO_JIT = 'compile_aggregate_expressions = 0, compile_expressions = 0';

/**
 * The standardised columns as scalar SQL expressions z1..zd over denseSql's xn/xc (not an array):
 * aggregates over scalar columns are vectorised, where lambdas over per-row arrays are not (≈10×
 * slower for Σzzᵀ). Coefficients are literals; category values the parameter `mv_cv`.
 */
export function columnExprs(plan: ColumnPlan): string[] {
  const catIndex = new Map([...new Set(plan.onehot.map((c) => c.name))].map((n, i) => [n, i + 1]));
  return [
    ...plan.numeric.map((c, i) => `if(isFinite(xn[${i + 1}]), (xn[${i + 1}] - ${lit(c.mean)}) / ${lit(c.std)}, 0.)`),
    ...plan.onehot.map((c, i) => `((toFloat64(xc[${catIndex.get(c.name)}] = {mv_cv:Array(String)}[${i + 1}]) - ${lit(c.mean)}) / ${lit(c.std)})`),
  ];
}

/**
 * A seeded sample of rows per side for the multivariate passes: all rows when a side holds at most
 * `maxRows`, else the rows whose sipHash64(rid, seed) falls in the first maxRows/rows of the hash
 * range (a Bernoulli sample of about maxRows rows, the same for the same data and seed).
 */
export interface RowSample {
  seed: number;
  /** Per side (reference, current): the kept share of the hash range, as a threshold on the low 32 bits (2^32: all). */
  keep: [number, number];
}

export function rowSample(rows: [number, number], maxRows: number, seed: number): RowSample {
  const keep = rows.map((n) => (maxRows > 0 && n > maxRows ? Math.floor((maxRows / n) * 2 ** 32) : 2 ** 32)) as [number, number];
  return { seed, keep };
}

function sampleWhere(sample: RowSample | undefined): { where: string; params: Record<string, unknown> } {
  if (!sample || sample.keep.every((k) => k >= 2 ** 32)) return { where: '1', params: {} };
  return {
    where: `(sipHash64(rid, {mv_rseed:UInt64}) % 4294967296) < if(s = 0, {mv_keep0:UInt64}, {mv_keep1:UInt64})`,
    params: { mv_rseed: sample.seed, mv_keep0: sample.keep[0], mv_keep1: sample.keep[1] },
  };
}

/** The source with the standardised columns z1..zd added (s, ch, rid kept), optionally sampled. */
function zSource(src: Sql, plan: ColumnPlan, where = '1', sample?: RowSample): Sql {
  const sw = sampleWhere(sample);
  const dense = denseSql(src, plan, `(${where}) AND ${sw.where}`);
  const exprs = columnExprs(plan);
  return { sql: `(SELECT s, ch, rid, ${exprs.map((e, i) => `${e} AS z${i + 1}`).join(', ')} FROM ${dense.sql})`, params: { ...dense.params, ...sw.params } };
}

/** The source as rows (s, ch, rid, xn, xc) and the standardised row vector z over them as one SQL array (for the MMD sample). */
export function vectorSql(src: Sql, plan: ColumnPlan): { src: Sql; vector: Sql } {
  const dense = denseSql(src, plan, '1');
  return { src: { sql: dense.sql, params: dense.params }, vector: { sql: `[${columnExprs(plan).join(', ')}]`, params: {} } };
}

/** Reference mean and population std (stddevPopStable, ddof 0 as StandardScaler) of numerical features. */
export async function numericMoments(store: Store, src: Sql, names: string[]): Promise<Map<string, { mean: number; std: number; n: number }>> {
  const rows = await store.query<{ k: string; n: string; mean: number; std: number }>(
    `SELECT k, count() AS n, avg(v) AS mean, stddevPopStable(v) AS std FROM ${numericStream(src)} WHERE s = 0 AND has({mv_names:Array(String)}, k) GROUP BY k`,
    { ...src.params, mv_names: names },
  );
  return new Map(rows.map((r) => [r.k, { n: Number(r.n), mean: Number(r.mean), std: Number(r.std) }]));
}

/**
 * Runs `fn` over the standardised rows (s, ch, z1..zd) of the multivariate passes. When the rows are
 * sampled (or few), they are first copied into a per-report Memory table, so the two passes of
 * pca_error read the source (maps, FINAL) once, not twice: at most about 2 · maxRows · d Float64s
 * (400 MB at 250,000 rows a side and 100 columns). Without a bound (maxRows 0) they stream.
 */
export async function withStandardised<T>(store: Store, src: Sql, plan: ColumnPlan, sample: RowSample | undefined, copy: boolean, fn: (z: Sql) => Promise<T>): Promise<T> {
  const z = zSource(src, plan, '1', sample);
  if (!copy) return fn(z);
  const d = columnCount(plan);
  const table = `${store.database}.${TMP_PREFIX}${randomBytes(6).toString('hex')}`;
  const cols = Array.from({ length: d }, (_, i) => `z${i + 1} Float64`).join(', ');
  await store.command(`CREATE TABLE ${table} (s UInt8, ch UInt32, ${cols}) ENGINE = Memory`);
  try {
    const names = Array.from({ length: d }, (_, i) => `z${i + 1}`).join(', ');
    // A Memory table hands its blocks back as stored: stored small, so Σzzᵀ's temporaries stay bounded.
    const rows = momentBlockRows(d);
    await store.command(`INSERT INTO ${table} SELECT s, ch, ${names} FROM ${z.sql} ${DENSE_SETTINGS}, ${NO_JIT}, max_block_size = ${rows}, min_insert_block_size_rows = ${rows}, min_insert_block_size_bytes = 0`, z.params);
    return await fn({ sql: `(SELECT * FROM ${table})`, params: {} });
  } finally {
    await store.command(`DROP TABLE IF EXISTS ${table}`);
  }
}

/** Count, Σz and Σzzᵀ (d×d) over the reference rows of `z` (withStandardised), as d + d(d+1)/2 scalar sums. */
export async function referenceMoments(store: Store, zRows: Sql, d: number): Promise<{ n: number; sum: number[]; cov: number[][] }> {
  const z = { sql: `(SELECT * FROM ${zRows.sql} WHERE s = 0)`, params: zRows.params };
  const sums = Array.from({ length: d }, (_, i) => `sum(z${i + 1})`);
  const pairs: [number, number][] = [];
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) pairs.push([i, j]);
  const [row] = await store.query<{ r: number[] }>(
    `SELECT [toFloat64(count()), ${[...sums, ...pairs.map(([i, j]) => `sum(z${i + 1} * z${j + 1})`)].join(', ')}] AS r FROM ${z.sql} ${DENSE_SETTINGS}, ${NO_JIT}, max_block_size = ${momentBlockRows(d)}`,
    z.params,
  );
  const r = (row?.r ?? []).map(Number);
  const n = r[0] ?? 0;
  if (n === 0) return { n, sum: new Array(d).fill(0), cov: Array.from({ length: d }, () => new Array(d).fill(0)) };
  const sum = r.slice(1, d + 1);
  const mean = sum.map((v) => v / n);
  const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  // Centred by the sample mean as sklearn's PCA does (≈ 0 here, but not exactly once values are imputed).
  pairs.forEach(([i, j], k) => (cov[i]![j] = cov[j]![i] = r[d + 1 + k]! / n - mean[i]! * mean[j]!));
  return { n, sum, cov };
}

/**
 * Mean reconstruction error per (side, chunk): with W the kept components (k×d, orthonormal rows),
 * ‖(I − WᵀW) zc‖² = ‖zc‖² − ‖W zc‖², zc = z − z̄: k + 1 dot products per row instead of d. The
 * components are parameters (dotProduct with a constant array), so the statement's text stays small
 * at any d and k (as literals, 100 columns exceeded the engine's 256 KiB max_query_size).
 */
export async function chunkErrors(store: Store, z: Sql, d: number, components: number[][], center: number[]): Promise<{ s: number; ch: number; n: number; error: number }[]> {
  const zc = `[${Array.from({ length: d }, (_, j) => `z${j + 1} - ${lit(center[j]!)}`).join(', ')}]`;
  const proj = components.map((_, m) => `pow(dotProduct(zc, {mv_w:Array(Array(Float64))}[${m + 1}]), 2)`).join(' + ');
  const rows = await store.query<{ s: number; c: number; n: string; e: number }>(
    `SELECT s, if(s = 0, ch, 0) AS c, count() AS n, avg(sqrt(greatest(0, dotProduct(zc, zc)${proj ? ` - (${proj})` : ''}))) AS e
     FROM (SELECT s, ch, ${zc} AS zc FROM ${z.sql}) GROUP BY s, c ORDER BY s, c ${DENSE_SETTINGS}, ${NO_JIT}`,
    { ...z.params, mv_w: components.length ? components : [[]] },
  );
  return rows.map((r) => ({ s: Number(r.s), ch: Number(r.c), n: Number(r.n), error: Number(r.e) }));
}

/**
 * Up to `size` rows per side of `vector`, chosen by the smallest sipHash64(rid, seed): a seeded uniform
 * sample. The rows are picked on the hash alone, then only those rows' vectors are built and read.
 * With `sideRows` (each side's row count, known from the inventory) a side much larger than `size` is
 * first cut to the rows whose hash lies in the first ~4·size/rows of the hash range, and only those
 * are sorted: when every side keeps at least `size` rows, its `size` smallest hashes are among them,
 * so the sample is the same as from sorting every row (else every row is sorted, as without `sideRows`).
 */
export async function vectorSample(store: Store, src: Sql, vector: Sql, size: number, seed: number, sideRows?: [number, number]): Promise<{ reference: number[][]; current: number[][] }> {
  const pick = (where: string, params: Record<string, unknown>) =>
    store.query<{ s: number; rid: string }>(
      `SELECT s, toString(rid) AS rid FROM ${src.sql} WHERE ${where} ORDER BY s, sipHash64(rid, {mv_seed:UInt64}), rid LIMIT {mv_size:UInt32} BY s`,
      { ...src.params, ...params, mv_seed: seed, mv_size: size },
    );
  let picked: { s: number; rid: string }[] | null = null;
  if (sideRows && sideRows.some((n) => n > 8 * size)) {
    // Thresholds as decimal strings: a UInt64 does not fit in a JS number.
    const cut = sideRows.map((n) => (n > 8 * size ? ((BigInt(Math.floor(((4 * size) / n) * 2 ** 32)) << 32n) - 1n).toString() : '18446744073709551615'));
    const few = await pick(`sipHash64(rid, {mv_seed:UInt64}) <= toUInt64(if(s = 0, {mv_cut0:String}, {mv_cut1:String}))`, { mv_cut0: cut[0], mv_cut1: cut[1] });
    const kept = [0, 1].map((side) => few.filter((p) => Number(p.s) === side).length);
    if (kept.every((k, side) => k >= Math.min(size, sideRows[side]!))) picked = few;
  }
  picked ??= await pick('1', {});
  const order = new Map(picked.map((p, i) => [`${Number(p.s)}:${p.rid}`, i]));
  const rows = await store.query<{ s: number; rid: string; z: number[] }>(
    `SELECT s, toString(rid) AS rid, ${vector.sql} AS z FROM ${src.sql} WHERE toString(rid) IN (SELECT arrayJoin({mv_rids:Array(String)}))`,
    { ...src.params, ...vector.params, mv_rids: picked.map((p) => p.rid) },
  );
  // Back in hash order, each picked row once (a rid shared by both sides is read for each).
  const kept = rows.filter((r) => order.has(`${Number(r.s)}:${r.rid}`)).sort((a, b) => order.get(`${Number(a.s)}:${a.rid}`)! - order.get(`${Number(b.s)}:${b.rid}`)!);
  const seen = new Set<string>();
  const out = { reference: [] as number[][], current: [] as number[][] };
  for (const r of kept) {
    const key = `${Number(r.s)}:${r.rid}`;
    if (seen.has(key)) continue;
    seen.add(key);
    (Number(r.s) === 0 ? out.reference : out.current).push(r.z.map(Number));
  }
  return out;
}
