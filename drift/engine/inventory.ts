/**
 * Pass 0: one scan that counts, per side, the rows, and per feature the null values and the
 * categorical values by category (the most frequent `maxCategories` per feature, with the per-side
 * totals so the rest can be lumped together), and the numeric values of the pseudo-features (those
 * of features come from the numeric profile). The result is small: features × categories,
 * whatever the row count.
 */
import type { Store } from '../../storage/store.js';
import type { Sql } from './source.js';
import { countStream } from './streams.js';

export interface SideCounts {
  rows: number;
  /** Numeric feature values (all features), to size the report before reading them. */
  numericValues: number;
  numeric: Map<string, number>;
  categorical: Map<string, number>;
  nulls: Map<string, number>;
}

export interface Inventory {
  reference: SideCounts;
  current: SideCounts;
  /** Per categorical feature: category → [reference count, current count], most frequent first. */
  categories: Map<string, Map<string, [number, number]>>;
  /** Categorical features with more categories than were kept. */
  truncated: Set<string>;
}

interface Row {
  kind: number;
  k: string;
  val: string;
  r: string | number;
  c: string | number;
  tr: string | number;
  tc: string | number;
}

const emptySide = (): SideCounts => ({ rows: 0, numericValues: 0, numeric: new Map(), categorical: new Map(), nulls: new Map() });

/** Runs pass 0 over both sides. */
export async function inventory(store: Store, src: Sql, maxCategories: number): Promise<Inventory> {
  const rows = await store.query<Row>(
    `SELECT kind, k, val, r, c, tr, tc FROM (
      SELECT kind, k, val, r, c, sum(r) OVER (PARTITION BY kind, k) AS tr, sum(c) OVER (PARTITION BY kind, k) AS tc
      FROM (SELECT kind, k, val, sumIf(n, s = 0) AS r, sumIf(n, s = 1) AS c FROM ${countStream(src)} GROUP BY kind, k, val)
      WHERE r + c > 0
    )
    ORDER BY kind, k, r + c DESC, val
    LIMIT {maxCategories:UInt32} BY kind, k`,
    { ...src.params, maxCategories },
  );
  const out: Inventory = { reference: emptySide(), current: emptySide(), categories: new Map(), truncated: new Set() };
  for (const row of rows) {
    const r = Number(row.r);
    const c = Number(row.c);
    if (row.kind === 0 || row.kind === 4) {
      out.reference[row.kind === 0 ? 'rows' : 'numericValues'] = r;
      out.current[row.kind === 0 ? 'rows' : 'numericValues'] = c;
      continue;
    }
    const field = row.kind === 1 ? 'numeric' : row.kind === 2 ? 'categorical' : 'nulls';
    // Totals come from the window sums, so categories beyond the kept ones still count.
    out.reference[field].set(row.k, Number(row.tr));
    out.current[field].set(row.k, Number(row.tc));
    if (row.kind !== 2) continue;
    let cats = out.categories.get(row.k);
    if (!cats) out.categories.set(row.k, (cats = new Map()));
    cats.set(row.val, [r, c]);
  }
  for (const [k, cats] of out.categories) {
    let r = 0;
    let c = 0;
    for (const [a, b] of cats.values()) {
      r += a;
      c += b;
    }
    if (r < (out.reference.categorical.get(k) ?? 0) || c < (out.current.categorical.get(k) ?? 0)) out.truncated.add(k);
  }
  return out;
}
