/**
 * Numeric pass 1 (profile), grouped by feature inside ClickHouse: per feature n, pooled min/max,
 * reference population std (stddevPopStable, ddof 0 like numpy.std), the reference quantiles that
 * are the PSI/JS bin edges (quantilesExactInclusive = numpy's 'linear' method), and the pooled
 * distinct count up to lowCardinalityMax + 1 (uniqUpTo, exact). A few numbers per feature reach
 * Node, whatever the row count.
 */
import type { Store } from '../../storage/store.js';
import type { Sql } from './source.js';

export const TWO_LEVEL = 'SETTINGS group_by_two_level_threshold = 1, group_by_two_level_threshold_bytes = 1';

export interface NumericProfile {
  n0: number;
  n1: number;
  lo: number;
  hi: number;
  /** Reference population standard deviation; null without reference values. */
  refStd: number | null;
  /** Reference mean (for the multivariate standardisation); null without reference values. */
  refMean: number | null;
  /** Reference quantiles at k/bins, k = 1..bins-1 (not yet collapsed). */
  quantiles: number[];
  /** Pooled distinct values, capped at lowCardinalityMax + 1. */
  distinct: number;
  /** Exact KS statistic (set by ks.ts); null unless both sides have values. */
  ksD: number | null;
}

interface ProfileRow {
  k: string;
  n0: string;
  n1: string;
  lo: number | null;
  hi: number | null;
  sd0: number | null;
  m0: number | null;
  q0: (number | null)[];
  distinct: string;
}

/**
 * Features in groups whose reference values add up to at most `maxValues` (a feature above it alone):
 * quantilesExactInclusive keeps every reference value of its group in memory (8 bytes each, up to
 * twice that while its buffer grows), so this bounds the engine's memory at the price of one scan of
 * the stream per group. Greedy in name order; pure, for the tests.
 */
export function profileGroups(counts: Map<string, number>, maxValues: number): string[][] {
  const groups: string[][] = [];
  let cur: string[] = [];
  let sum = 0;
  for (const [k, n] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    if (cur.length && sum + n > maxValues) {
      groups.push(cur);
      cur = [];
      sum = 0;
    }
    cur.push(k);
    sum += n;
  }
  if (cur.length) groups.push(cur);
  return groups;
}

export interface ProfileOptions {
  bins: number;
  lowCardinalityMax: number;
  /** Reference values per profile query (quantile memory); more are profiled in groups of features. */
  profileMaxValues?: number;
  /** Reference numeric values of all features (inventory), to know whether grouping is needed without a pass. */
  referenceValues?: number;
}

/** Pass 1 over a numeric stream (s, k, v, ch): every key with numeric values (one pass, or one per group of features when large). */
export async function numericProfile(store: Store, stream: Sql, opts: ProfileOptions): Promise<Map<string, NumericProfile>> {
  const max = opts.profileMaxValues ?? 0;
  if (!(max > 0 && (opts.referenceValues ?? Infinity) > max)) return profileQuery(store, stream, opts, null);
  const counts = await store.query<{ k: string; n0: string }>(`SELECT k, countIf(s = 0) AS n0 FROM ${stream.sql} GROUP BY k`, stream.params);
  const groups = profileGroups(new Map(counts.map((r) => [r.k, Number(r.n0)])), max);
  if (groups.length <= 1) return profileQuery(store, stream, opts, null);
  const out = new Map<string, NumericProfile>();
  for (const g of groups) for (const [k, p] of await profileQuery(store, stream, opts, g)) out.set(k, p);
  return out;
}

async function profileQuery(store: Store, stream: Sql, opts: ProfileOptions, only: string[] | null): Promise<Map<string, NumericProfile>> {
  const out = new Map<string, NumericProfile>();
  // Levels as JS prints k/bins: the shortest text that parses back to the same double as drift/stats uses.
  const levels = Array.from({ length: opts.bins - 1 }, (_, i) => String((i + 1) / opts.bins)).join(', ');
  const rows = await store.query<ProfileRow>(
    `SELECT k, countIf(s = 0) AS n0, countIf(s = 1) AS n1, min(v) AS lo, max(v) AS hi,
       stddevPopStableIf(v, s = 0) AS sd0, avgIf(v, s = 0) AS m0,
       quantilesExactInclusiveIf(${levels})(v, s = 0) AS q0,
       uniqUpTo(${opts.lowCardinalityMax})(v) AS distinct
     FROM ${stream.sql}${only ? ' WHERE has({profile_keys:Array(String)}, k)' : ''}
     GROUP BY k ${TWO_LEVEL}`,
    only ? { ...stream.params, profile_keys: only } : stream.params,
  );
  for (const r of rows) {
    const n0 = Number(r.n0);
    out.set(r.k, {
      n0,
      n1: Number(r.n1),
      lo: r.lo ?? 0,
      hi: r.hi ?? 0,
      refStd: n0 > 0 && r.sd0 !== null && Number.isFinite(r.sd0) ? r.sd0 : null,
      refMean: n0 > 0 && r.m0 !== null && Number.isFinite(Number(r.m0)) ? Number(r.m0) : null,
      quantiles: n0 > 0 ? r.q0.map((q) => q ?? NaN) : [],
      distinct: Number(r.distinct),
      ksD: null,
    });
  }
  return out;
}
