import type { Config } from './config.js';
import type { EventKind } from './schemas/kinds.js';

const DAY_MS = 86_400_000;
const RETENTION_KEY: Record<EventKind, keyof Config['storage']['retentionDays'] | null> = {
  prediction: 'predictions',
  label: 'labels',
  pipeline_event: 'pipelineEvents',
  gpu_sample: 'gpuSamples',
  dead_letter: null,
};

/**
 * The oldest event time a kind's table keeps. Older rows would be deleted by the table's TTL as soon
 * as they were written, so they are rejected up front with a reason instead of vanishing silently.
 */
export function oldestAcceptedMs(kind: EventKind, retention: Config['storage']['retentionDays'], nowMs: number): number | undefined {
  const key = RETENTION_KEY[kind];
  return key ? nowMs - retention[key] * DAY_MS : undefined;
}
