/**
 * The long-form streams the passes aggregate, built over `bothSides`. Feature maps are ARRAY
 * JOINed through their keys/values subcolumns; the pseudo-features come from a second, narrow
 * branch, because concatenating them onto every row's map arrays costs more than reading the
 * source twice.
 */
import type { Sql } from './source.js';

/** Pseudo-feature names: `@` cannot start a feature name, so they never collide with one. */
export const PSEUDO = { prediction: '@prediction', score: '@score', label: '@label' } as const;

/** Numeric values as (s, k, v, ch), non-finite values dropped. */
export function numericStream(src: Sql): string {
  return `(SELECT s, k, v, ch FROM (
      SELECT s, k, v, ch FROM ${src.sql} ARRAY JOIN nf.keys AS k, nf.values AS v
      UNION ALL
      SELECT s, t.1 AS k, t.2 AS v, ch FROM ${src.sql}
      ARRAY JOIN arrayConcat(if(pn IS NULL, [], [('${PSEUDO.prediction}', assumeNotNull(pn))]), if(sc IS NULL, [], [('${PSEUDO.score}', assumeNotNull(sc))]), if(ln IS NULL, [], [('${PSEUDO.label}', assumeNotNull(ln))])) AS t
    ) WHERE isFinite(v))`;
}

/**
 * A numeric stream (s, k, v, ch) narrowed to `{feats}` as (s, fi, v, ch): fi is the 1-based index
 * of k in {feats}, through transform() — a hash lookup, computed once per distinct key when k is
 * LowCardinality — so per-feature parameters can be arrays indexed by fi.
 */
export function indexedStream(stream: string): string {
  // The CAST drops LowCardinality from the result: grouping on a LowCardinality number is slower.
  return `(SELECT s, fi, v, ch FROM (SELECT s, CAST(transform(k, {feats:Array(String)}, {fidx:Array(UInt16)}, toUInt16(0)) AS UInt16) AS fi, v, ch FROM ${stream}) WHERE fi > 0)`;
}

/** Parameters indexedStream needs for a feature list. */
export function featureParams(features: string[]) {
  return { feats: features, fidx: features.map((_, i) => i + 1) };
}

/**
 * Counts as (kind, s, k, val, n): kind 0 rows, 1 numeric values of the pseudo-features (those of
 * features come from the numeric profile), 2 categorical values by category (val), 3 nulls, 4 the
 * number of numeric feature values (map sizes, read without the values). A
 * missing score is a null; a missing label is not (it just has not arrived).
 */
export function countStream(src: Sql): string {
  return `(
    SELECT t.1 AS kind, s, t.2 AS k, '' AS val, t.3 AS n FROM (
      SELECT s, count() AS rows, sum(length(nf)) AS nvals, countIf(pn IS NOT NULL) AS pnum, countIf(sc IS NOT NULL) AS snum, countIf(sc IS NULL) AS snull, countIf(ln IS NOT NULL) AS lnum
      FROM ${src.sql} GROUP BY s
    ) ARRAY JOIN [(0, '', rows), (4, '', nvals), (1, '${PSEUDO.prediction}', pnum), (1, '${PSEUDO.score}', snum), (3, '${PSEUDO.score}', snull), (1, '${PSEUDO.label}', lnum)] AS t
    UNION ALL SELECT 2, s, k, val, count() FROM ${src.sql} ARRAY JOIN cf.keys AS k, cf.values AS val GROUP BY s, k, val
    UNION ALL SELECT 3, s, k, '', count() FROM ${src.sql} ARRAY JOIN nl AS k GROUP BY s, k
    UNION ALL SELECT 2, s, '${PSEUDO.prediction}', assumeNotNull(pc), count() FROM ${src.sql} WHERE pc IS NOT NULL GROUP BY s, pc
    UNION ALL SELECT 2, s, '${PSEUDO.label}', assumeNotNull(lc), count() FROM ${src.sql} WHERE lc IS NOT NULL GROUP BY s, lc
  )`;
}
