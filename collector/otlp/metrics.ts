import type { Converter } from './converter.js';

/** OTLP metrics → events: filled by the metrics/logs converters (DCGM series → gpu_samples, the rest → otel_metrics_*). */
export const convertMetrics: Converter = () => ({ events: [], rejected: 0, errors: [] });
