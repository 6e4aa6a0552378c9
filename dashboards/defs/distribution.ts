// Reference vs current histogram of one numeric expression over predictions, in SQL.
// "Current" is the selected range; "reference" the window of equal length just before it, so the
// panel needs no stored baseline. Bins are equal-width over both windows together.
const BINS = 20;

/** SQL for a bar chart of (bucket, reference share, current share) of `expr` for `${model}`, rows where `cond` holds. */
export function distributionSql(expr: string, cond: string): string {
  const rows = `FROM predictions
      WHERE model = \${model:singlequote} AND ${cond}
        AND ts >= $__fromTime - (toUnixTimestamp($__toTime) - toUnixTimestamp($__fromTime)) AND ts <= $__toTime`;
  return `
    SELECT toString(round(b_lo + (b + 0.5) * b_w, 3)) AS bucket, r / greatest(sum(r) OVER (), 1) AS reference, c / greatest(sum(c) OVER (), 1) AS current
    FROM (
      SELECT least(${BINS - 1}, toUInt32(greatest(0, floor((v - lo) / w)))) AS b, any(lo) AS b_lo, any(w) AS b_w,
             countIf(ts < $__fromTime) AS r, countIf(ts >= $__fromTime) AS c
      FROM (SELECT ts, ${expr} AS v ${rows}) AS x
      CROSS JOIN (SELECT min(${expr}) AS lo, greatest(max(${expr}) - min(${expr}), 1e-9) / ${BINS} AS w ${rows}) AS bounds
      GROUP BY b)
    ORDER BY b`;
}
