import type { BaseConfig } from './config.js';
import type { EventKind } from './schemas/kinds.js';

const DAY_MS = 86_400_000;
const RETENTION_KEY: Record<EventKind, keyof BaseConfig['storage']['retentionDays'] | null> = {
  prediction: 'predictions',
  label: 'labels',
  pipeline_event: 'pipelineEvents',
  gpu_sample: 'gpuSamples',
  dead_letter: null,
  kserve_event: 'kserveHalves',
  otel_span: 'otel',
  otel_metric_gauge: 'otel',
  otel_metric_sum: 'otel',
  otel_metric_histogram: 'otel',
  otel_log: 'otel',
};

/**
 * The oldest event time a kind's table keeps. Older rows would be deleted by the table's TTL as soon
 * as they were written, so they are rejected up front with a reason instead of vanishing silently.
 */
export function oldestAcceptedMs(kind: EventKind, retention: BaseConfig['storage']['retentionDays'], nowMs: number): number | undefined {
  const key = RETENTION_KEY[kind];
  return key ? nowMs - retention[key] * DAY_MS : undefined;
}

/**
 * Why an event at `tsMs` cannot be stored, or null when it can: the one retention check that every
 * way in (JSON events, expositions, later protocols) applies before publishing.
 */
export function olderThanRetention(tsMs: number, oldestMs: number | undefined): string | null {
  if (oldestMs === undefined || tsMs >= oldestMs) return null;
  return `timestamp ${new Date(tsMs).toISOString()} is older than the retention of this kind (kept from ${new Date(oldestMs).toISOString()}); raise storage.retentionDays to backfill it`;
}
