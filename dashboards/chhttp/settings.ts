// Which URL parameters the endpoint understands. ClickHouse's HTTP interface treats every unknown
// parameter as a setting; this endpoint's session is read-only (readonly=1), so settings cannot be
// applied. Parameters fall in four groups, and anything else is refused by name, never dropped.

/** Handled by the endpoint itself. */
export const HANDLED = new Set(['query', 'database', 'default_format', 'user', 'password', 'query_id', 'enable_http_compression']);

/**
 * Accepted and ignored: HTTP-layer knobs with no effect on results (clickhouse-js and clickhouse-go
 * send some by default), and limits a client may ask for: the endpoint's own limits apply instead
 * (60 s, 1,000,000 rows), so a client cannot loosen them.
 */
export const IGNORED = new Set([
  'wait_end_of_query', 'send_progress_in_http_headers', 'http_headers_progress_interval_ms', 'http_response_buffer_size', 'buffer_size',
  'http_zlib_compression_level', 'http_wait_end_of_query', 'session_timeout', 'session_check', 'session_id', 'quota_key',
  'max_execution_time', 'max_result_rows', 'max_result_bytes', 'result_overflow_mode', 'max_rows_to_read', 'max_bytes_to_read', 'timeout_before_checking_execution_speed',
  'output_format_json_quote_64bit_integers_if_default', 'date_time_output_format_if_default',
]);

/** Why a URL parameter is refused, or null when it is fine. `param_*` are query parameters. */
export function refusal(name: string, value: string): string | null {
  if (HANDLED.has(name) || IGNORED.has(name) || name.startsWith('param_')) return null;
  // Asking for read-only is asking for what the endpoint is; asking for less is refused.
  if (name === 'readonly') return value === '1' || value === '2' ? null : `Cannot modify 'readonly' setting in readonly mode: this endpoint is read-only`;
  if (name === 'compress' || name === 'decompress') {
    return value === '0' ? null : `ClickHouse's native (LZ4) HTTP compression is not supported here; use gzip (enable_http_compression=1 with Accept-Encoding: gzip)`;
  }
  return `Cannot modify '${name}' setting in readonly mode: this endpoint is read-only and accepts no settings (see dashboards/README.md)`;
}
