import { MlobsError } from '../../core/errors.js';
import { topicOf } from '../../core/schemas/kinds.js';
import { validateEvent } from '../../core/schemas/validate.js';
import type { Bus, OutgoingMessage } from '../../bus/bus.js';
import type { DeadLetterQueue } from '../../bus/dead-letters.js';
import { parseExposition, ExpositionError } from './exposition.js';
import { toGpuSamples } from './dcgm.js';
import { gpuSampleToEvent } from './to-event.js';

/**
 * Parses one DCGM exposition, validates every sample once (schema and retention) and publishes the
 * valid ones; scrape and push share this so both store the same rows. Samples the schema refuses
 * (an over-long label, say) become dead letters; samples older than the table's retention, which
 * its TTL would delete as soon as written, are counted and left out.
 */
export async function publishExposition(
  text: string,
  opts: { bus: Bus; deadLetters: DeadLetterQueue; topicPrefix: string; nowMs: number; source: string; oldestMs?: number; hostname?: string },
): Promise<{ published: number; tooOld: number; invalid: number }> {
  let families;
  try {
    families = parseExposition(text).families;
  } catch (e) {
    if (e instanceof ExpositionError) {
      throw new MlobsError(`malformed exposition: ${e.message}`, { reason: 'bad_exposition', retryable: false, cause: e });
    }
    throw e;
  }
  const messages: OutgoingMessage[] = [];
  const invalid: { error: string; payload: string }[] = [];
  let tooOld = 0;
  for (const s of toGpuSamples(families, { nowMs: opts.nowMs, source: opts.source, hostname: opts.hostname })) {
    const v = validateEvent('gpu_sample', gpuSampleToEvent(s), { oldestMs: opts.oldestMs });
    if (v.ok) {
      // Key by GPU so that one GPU's samples stay ordered on one partition. The validated event
      // rides along, so the in-process bus hands it to the sink without a second check.
      messages.push({ key: `${s.hostname}/${s.uuid || s.gpu}`, value: JSON.stringify(v.event), validated: v.event });
    } else if (v.reason === 'older_than_retention') tooOld++;
    else invalid.push({ error: `${s.metric}: ${v.error}`, payload: JSON.stringify(gpuSampleToEvent(s)) });
  }
  await opts.bus.publish(topicOf('gpu_sample', opts.topicPrefix), messages);
  await opts.deadLetters.keep(invalid.map((x) => ({ kind: 'gpu_sample', source: opts.source, reason: 'schema_violation', error: x.error, payload: x.payload, receivedAtMs: opts.nowMs })));
  return { published: messages.length, tooOld, invalid: invalid.length };
}
