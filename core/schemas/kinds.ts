import type { z } from 'zod';
import { deadLetterEvent, gpuSampleEvent, labelEvent, pipelineEvent, predictionEvent } from './events.js';
import { kserveEvent } from './kserve.js';
import { otelSpanEvent } from './otel-span.js';
import { otelLogEvent, otelMetricGaugeEvent, otelMetricHistogramEvent, otelMetricSumEvent } from './otel-metrics-logs.js';

/** Every kind of event the stack moves; each has exactly one schema, one topic and one table. */
export const EVENT_KINDS = {
  prediction: { schema: predictionEvent, topic: 'predictions', table: 'predictions' },
  label: { schema: labelEvent, topic: 'labels', table: 'labels' },
  pipeline_event: { schema: pipelineEvent, topic: 'pipeline-events', table: 'pipeline_events' },
  gpu_sample: { schema: gpuSampleEvent, topic: 'gpu-samples', table: 'gpu_samples' },
  dead_letter: { schema: deadLetterEvent, topic: 'dead-letters', table: 'dead_letters' },
  // One half of a KServe inference; the joiner (collector/kserve/joiner.ts) makes predictions of them.
  kserve_event: { schema: kserveEvent, topic: 'kserve-events', table: 'kserve_halves' },
  otel_span: { schema: otelSpanEvent, topic: 'otel-spans', table: 'otel_traces' },
  otel_metric_gauge: { schema: otelMetricGaugeEvent, topic: 'otel-metrics-gauge', table: 'otel_metrics_gauge' },
  otel_metric_sum: { schema: otelMetricSumEvent, topic: 'otel-metrics-sum', table: 'otel_metrics_sum' },
  otel_metric_histogram: { schema: otelMetricHistogramEvent, topic: 'otel-metrics-histogram', table: 'otel_metrics_histogram' },
  otel_log: { schema: otelLogEvent, topic: 'otel-logs', table: 'otel_logs' },
} as const satisfies Record<string, { schema: z.ZodType; topic: string; table: string }>;

export type EventKind = keyof typeof EVENT_KINDS;
export const EVENT_KIND_NAMES = Object.keys(EVENT_KINDS) as EventKind[];

/** The full topic name of a kind under a prefix, e.g. `mlobs.predictions`. */
export function topicOf(kind: EventKind, prefix: string): string {
  return prefix + EVENT_KINDS[kind].topic;
}

/** A readable one-line reason for the first problems zod found, with the path to each. */
export function describeIssues(error: z.ZodError, max = 3): string {
  return error.issues
    .slice(0, max)
    .map((i) => {
      const keys = (i as { keys?: string[] }).keys;
      const path = [...i.path, ...(keys?.length ? [keys.join(',')] : [])].join('.');
      // Record-key and union failures carry the useful message one level down.
      const inner = (i as { issues?: { message: string }[] }).issues?.[0]?.message;
      const message = inner ? `${i.message}: ${inner}` : i.message;
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}
