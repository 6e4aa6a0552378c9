import { MlobsError, errorMessage } from '../core/errors.js';

// Engine error codes that mean "the data or the statement is wrong": retrying cannot help.
const PERMANENT_TYPES = new Set([
  'SYNTAX_ERROR', 'UNKNOWN_TABLE', 'UNKNOWN_IDENTIFIER', 'UNKNOWN_FUNCTION', 'TYPE_MISMATCH', 'ILLEGAL_TYPE_OF_ARGUMENT',
  'CANNOT_PARSE_INPUT_ASSERTION_FAILED', 'CANNOT_PARSE_TEXT', 'CANNOT_PARSE_DATETIME', 'INCORRECT_DATA', 'READONLY',
  'UNKNOWN_SETTING', 'QUERY_IS_PROHIBITED', 'ACCESS_DENIED', 'NUMBER_OF_ARGUMENTS_DOESNT_MATCH', 'BAD_ARGUMENTS',
  'UNKNOWN_DATABASE', 'NOT_IMPLEMENTED', 'UNKNOWN_QUERY_PARAMETER', 'BAD_QUERY_PARAMETER', 'TOO_MANY_ROWS_OR_BYTES',
  'TIMEOUT_EXCEEDED', 'ILLEGAL_COLUMN', 'NO_COMMON_TYPE', 'CANNOT_CONVERT_TYPE', 'CANNOT_PARSE_NUMBER', 'UNKNOWN_FORMAT',
]);

/** Wraps an engine or transport failure as an MlobsError: engine-rejected statements are permanent, transport faults retryable. */
export function classifyClickHouseError(e: unknown, context: string): MlobsError {
  if (e instanceof MlobsError) return e;
  const type = (e as { type?: string }).type;
  const code = (e as { code?: string }).code;
  const msg = `${context}: ${errorMessage(e)}`;
  if (type && PERMANENT_TYPES.has(type)) return new MlobsError(msg, { reason: type.toLowerCase(), retryable: false, cause: e });
  if (/Syntax error|Cannot parse|Multi-statements|readonly mode|Unknown (table|identifier|setting|function)|Missing columns|Type mismatch|Illegal type|UNKNOWN_|Substitution/i.test(errorMessage(e))) {
    return new MlobsError(msg, { reason: type ? type.toLowerCase() : 'rejected_by_engine', retryable: false, cause: e });
  }
  const transport = code && /^E[A-Z]+/.test(code) ? code.toLowerCase() : 'storage_unavailable';
  return new MlobsError(msg, { reason: transport, retryable: true, cause: e });
}
