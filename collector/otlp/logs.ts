import type { Converter } from './converter.js';

/** OTLP logs → events: filled by the metrics/logs converters (otel_logs, and mlobs.* event records). */
export const convertLogs: Converter = () => ({ events: [], rejected: 0, errors: [] });
