/**
 * The text an insert sends: rows of one batch (which share one shape) as JSONCompactEachRow.
 * The engine parses it about a third faster than JSONEachRow (measured), since column names are
 * not repeated per row. Pure, so the sink's row building can be measured (bench/worker-pool.ts)
 * and run off the main thread without a copy of this code.
 */
export function compactEachRow(rows: readonly object[]): { columns: string[]; body: string } {
  const columns = Object.keys(rows[0] ?? {});
  let body = '';
  for (const r of rows) {
    const rec = r as Record<string, unknown>;
    body += JSON.stringify(columns.map((c) => rec[c] ?? null)) + '\n';
  }
  return { columns, body };
}
