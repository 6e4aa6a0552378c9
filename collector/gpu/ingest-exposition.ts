import { MlobsError } from '../../core/errors.js';
import { topicOf } from '../../core/schemas/kinds.js';
import { olderThanRetention } from '../../core/retention.js';
import type { Bus } from '../../bus/bus.js';
import { parseExposition, ExpositionError } from './exposition.js';
import { toGpuSamples } from './dcgm.js';
import { gpuSampleToEvent } from './to-event.js';

/** Parses one DCGM exposition and publishes every sample; scrape and push share this so both store the same rows. */
export async function publishExposition(
  text: string,
  opts: { bus: Bus; topicPrefix: string; nowMs: number; source: string; oldestMs?: number },
): Promise<{ published: number; tooOld: number }> {
  let families;
  try {
    families = parseExposition(text).families;
  } catch (e) {
    if (e instanceof ExpositionError) {
      throw new MlobsError(`malformed exposition: ${e.message}`, { reason: 'bad_exposition', retryable: false, cause: e });
    }
    throw e;
  }
  const all = toGpuSamples(families, { nowMs: opts.nowMs, source: opts.source });
  // Samples older than the table's retention would be deleted by its TTL as soon as written (the same check as every event's).
  const samples = all.filter((s) => olderThanRetention(s.tsMs, opts.oldestMs) === null);
  // Key by GPU so that one GPU's samples stay ordered on one partition.
  await opts.bus.publish(
    topicOf('gpu_sample', opts.topicPrefix),
    samples.map((s) => ({ key: `${s.hostname}/${s.uuid || s.gpu}`, value: JSON.stringify(gpuSampleToEvent(s)) })),
  );
  return { published: samples.length, tooOld: all.length - samples.length };
}
