// npx tsx bench/trust-cost.ts — CPU per event of what kafka.trustedProducerKey adds (JSON.stringify of
// the validated event and an HMAC at the edge, an HMAC check at the sink) against what it saves (the
// sink's schema validation), on the bench's prediction events. CPU time of this process, alternating.
import { validateEvent } from '../core/schemas/validate.js';
import { ProducerTrust } from '../bus/trust.js';
import { eventLines } from './kafka-clients.js';

const N = Number(process.env.BENCH_EVENTS ?? 100_000);
const lines = eventLines(N, 'trust');
const parsed = lines.map((l) => JSON.parse(l));
const trust = new ProducerTrust('bench-only-trusted-producer-key-0123456789');
const cpu = (f: () => void) => {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / N; // µs per event
};
const saved: number[] = [];
const added: number[] = [];
for (let round = 0; round < 3; round++) {
  saved.push(cpu(() => { for (const v of parsed) validateEvent('prediction', v); }));
  added.push(cpu(() => {
    for (const v of parsed) {
      const value = JSON.stringify(v);
      const header = trust.sign('prediction', value);
      trust.verify('prediction', Buffer.from(value), header);
    }
  }));
}
console.log(`per event, µs of CPU (3 rounds): sink validation saved ${saved.map((x) => x.toFixed(1)).join(', ')}; stringify + sign + verify added ${added.map((x) => x.toFixed(1)).join(', ')}`);
