/**
 * Runs the passes for one comparison and gathers, per feature, everything the methods need:
 * counts, the numeric profile and cells, or the category counts: the inventory, then the numeric
 * values (copied once into memory when small enough) for the profile, the cells and the exact KS
 * refinement; every pass groups by feature inside ClickHouse.
 */
import type { Store } from '../../storage/store.js';
import { inventory, type Inventory } from './inventory.js';
import { randomBytes } from 'node:crypto';
import { numericCells, type CellPlan, type NumericCells } from './cells.js';
import { refine } from './refine.js';
import { numericProfile, type NumericProfile } from './profile.js';
import type { Sql } from './source.js';
import { numericStream } from './streams.js';

/** Prefix of the per-report Memory tables; leftovers of a crash are dropped at start (dropLeftovers). */
export const TMP_PREFIX = 'drift_tmp_';

export interface CollectOptions {
  /** Copy the numeric values into memory when there are at most this many (0: never). */
  materializeMaxValues: number;
  bins: number;
  /** Candidate cells per feature refined for the exact KS statistic before falling back to the KS aggregate. */
  ksRefineMaxCells: number;
  lowCardinalityMax: number;
  maxCategories: number;
  wassersteinCells: number;
  exactBelowValues: number;
  /** Reference values per profile query (its exact quantiles hold them in memory); beyond, features are profiled in groups. */
  profileMaxValues: number;
}

export type ValueType = 'numerical' | 'categorical';

export interface SideData {
  rows: number;
  numeric: number;
  categorical: number;
  nulls: number;
  /** The feature's type on this side (majority of its non-null values); null without values. */
  type: ValueType | null;
}

export interface FeatureData {
  name: string;
  reference: SideData;
  current: SideData;
  profile?: NumericProfile;
  /** Collapsed PSI/JS bin edges (reference quantiles). */
  edges?: number[];
  cells?: NumericCells;
  /** How pass 2 cut the feature (grid or exact values). */
  plan?: CellPlan;
  categories?: Map<string, [number, number]>;
  categoriesTruncated?: boolean;
}

export interface Collected {
  referenceRows: number;
  currentRows: number;
  features: Map<string, FeatureData>;
}

function sideData(inv: Inventory['reference'], name: string): SideData {
  const numeric = inv.numeric.get(name) ?? 0;
  const categorical = inv.categorical.get(name) ?? 0;
  const type = numeric === 0 && categorical === 0 ? null : numeric >= categorical ? 'numerical' : 'categorical';
  return { rows: inv.rows, numeric, categorical, nulls: inv.nulls.get(name) ?? 0, type };
}

/** Equal consecutive quantiles collapse into one edge (drift/stats quantileEdges rule 3). */
export function collapseEdges(qs: number[]): number[] {
  const edges: number[] = [];
  for (const q of qs) if (edges.length === 0 || q !== edges[edges.length - 1]) edges.push(q);
  return edges;
}

/**
 * Runs `fn` over the numeric values as a stream (s, k, v, ch). With `materialize` (at most
 * materializeMaxValues values, counted by the inventory) they are first copied into a Memory
 * table with LowCardinality keys, so the numeric passes parse maps and apply FINAL once and then
 * read memory; above that they stream from the source each time, which costs time, not memory.
 */
async function withNumericStream(store: Store, src: Sql, materialize: boolean, fn: (stream: Sql) => Promise<void>): Promise<void> {
  const direct: Sql = { sql: numericStream(src), params: src.params };
  if (!materialize) return fn(direct);
  const table = `${store.database}.${TMP_PREFIX}${randomBytes(6).toString('hex')}`;
  await store.command(`CREATE TABLE ${table} (s UInt8, k LowCardinality(String), v Float64, ch UInt32) ENGINE = Memory`);
  try {
    await store.command(`INSERT INTO ${table} SELECT s, k, v, ch FROM ${direct.sql}`, direct.params);
    await fn({ sql: `(SELECT s, k, v, ch FROM ${table})`, params: {} });
  } finally {
    await store.command(`DROP TABLE IF EXISTS ${table}`);
  }
}

/** Collects the summaries of every feature seen on either side. */
export async function collect(store: Store, src: Sql, opts: CollectOptions): Promise<Collected> {
  const inv = await inventory(store, src, opts.maxCategories);
  const features = new Map<string, FeatureData>();
  const materialize = opts.materializeMaxValues > 0 && inv.reference.numericValues + inv.current.numericValues <= opts.materializeMaxValues;
  await withNumericStream(store, src, materialize, async (stream) => {
    const profiles = await numericProfile(store, stream, { ...opts, referenceValues: inv.reference.numericValues });
    for (const [k, p] of profiles) {
      // Pseudo-features' counts come from the inventory; features' from here.
      if (k.startsWith('@')) continue;
      inv.reference.numeric.set(k, p.n0);
      inv.current.numeric.set(k, p.n1);
    }
    const names = new Set([...inv.reference.numeric.keys(), ...inv.current.numeric.keys(), ...inv.reference.categorical.keys(), ...inv.current.categorical.keys(), ...inv.reference.nulls.keys(), ...inv.current.nulls.keys()]);
    for (const name of [...names].sort()) features.set(name, { name, reference: sideData(inv.reference, name), current: sideData(inv.current, name) });
    // Plans are in feature-index order: the passes address per-feature parameters by position.
    const plans: CellPlan[] = [];
    for (const f of features.values()) {
      const types = [f.reference.type, f.current.type];
      const p = profiles.get(f.name);
      if (!p || types.includes('categorical') || !types.includes('numerical')) continue;
      f.profile = p;
      f.edges = collapseEdges(p.quantiles);
      const exact = p.n0 + p.n1 <= opts.exactBelowValues || p.distinct <= opts.lowCardinalityMax || !(p.hi > p.lo);
      const width = (p.hi - p.lo) / opts.wassersteinCells;
      f.plan = { feature: f.name, edges: f.edges, lo: p.lo, width: exact || !(width > 0) ? 0 : width };
      plans.push(f.plan);
    }
    if (plans.length === 0) return;
    const cells = await numericCells(store, stream, plans);
    for (const [name, c] of cells) features.get(name)!.cells = c;
    for (const [name, d] of await refine(store, stream, plans, cells, opts.ksRefineMaxCells)) features.get(name)!.profile!.ksD = d;
  });

  for (const [name, cats] of inv.categories) {
    const f = features.get(name)!;
    f.categories = cats;
    f.categoriesTruncated = inv.truncated.has(name);
  }
  return { referenceRows: inv.reference.rows, currentRows: inv.current.rows, features };
}
