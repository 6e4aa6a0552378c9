/**
 * What readonly = 1 does not stop, decided from the engine's own parse of one statement
 * (`EXPLAIN AST` and `formatQuery`), never from the raw text.
 *
 * The embedded engine (chdb) runs as clickhouse-local does, where two things escape readonly = 1:
 *  - the file() *function* reads any path: its check against user_files_path is skipped in local
 *    mode (src/Functions/FunctionFile.cpp); on a server it still reads inside user_files_path;
 *  - INTO OUTFILE is written by the local client part, which no setting turns off (a server over
 *    HTTP refuses it: executeQuery is called with allow_into_outfile = false).
 * And on either, readonly = 1 still allows USE (on the embedded reader's long-lived session it
 * would change the database of every later query) and KILL QUERY (with one user for the sink and
 * the reader, a reader could cancel the sink's inserts). Only statements that read are let through.
 */

/** Top-level statement kinds that only read, as EXPLAIN AST names them. */
const READ_KINDS = /^(SelectWithUnionQuery|SelectIntersectExceptQuery|SelectQuery|Explain|Show|Describe|Exists)/;

/** Why the statement is refused, or null. `ast` is EXPLAIN AST output (one node a line), `formatted` is formatQuery's. */
export function readOnlyRefusal(ast: string, formatted: string): string | null {
  const lines = ast.split('\n').filter((l) => l.trim().length > 0);
  const top = lines[0]?.trim() ?? '';
  if (!READ_KINDS.test(top)) {
    return `only SELECT, SHOW, DESCRIBE, EXISTS and EXPLAIN are allowed here, not ${top.split(' ')[0] || 'an empty statement'}`;
  }
  if (lines.some((l) => /^\s*Function file\b/.test(l))) return 'the file() function reads files on the database host; it is not allowed here';
  // formatQuery puts the clause on a line of its own; inside a string literal a newline is escaped.
  if (/^\s*INTO OUTFILE\b/m.test(formatted)) return 'INTO OUTFILE writes a file on the database host; it is not allowed here';
  return null;
}
