import { describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { silentLogger } from '../core/log.js';
import { KafkaPublisher, kafkajsProducers } from './kafka-publisher.js';
import { waitUntil } from '../test/helpers/eventually.js';

/** A kafkajs stand-in whose producers record their sends; a send to topic `fail` is held until released, then fails as a lost connection does. */
function fakeKafka() {
  const sends: { producer: number; topic: string }[] = [];
  const held: (() => void)[] = [];
  let producers = 0;
  let active = 0;
  let maxActive = 0;
  const kafka = {
    producer: () => {
      const id = ++producers;
      return {
        connect: async () => {},
        disconnect: async () => {},
        send: async ({ topic }: { topic: string }) => {
          sends.push({ producer: id, topic });
          maxActive = Math.max(maxActive, ++active);
          if (topic !== 'fail') return void active--;
          await new Promise<void>((r) => held.push(r));
          active--;
          throw Object.assign(new Error('Connection closed'), { name: 'KafkaJSConnectionClosedError', retriable: true });
        },
      };
    },
  } as unknown as Kafka;
  const releaseAll = () => held.splice(0).forEach((r) => r());
  return { kafka, sends, releaseAll, maxActive: () => maxActive, heldCount: () => held.length };
}

const until = (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000) => waitUntil(check, { timeoutMs, what, intervalMs: 20 });

describe('KafkaPublisher', () => {
  it('never sends a batch on a producer whose earlier send failed, and sends one batch at a time per producer', async () => {
    const f = fakeKafka();
    const p = new KafkaPublisher(kafkajsProducers(f.kafka), { brokers: ['k:9092'], publishTimeoutMs: 60_000, probeIntervalMs: 1, logger: silentLogger, now: Date.now });
    const failed = p.publish('fail', [{ value: 'a' }]).catch((e) => e);
    const queued = p.publish('ok', [{ value: 'b' }]).catch((e) => e);
    await until("the first send reached the producer", () => f.heldCount() === 1);
    f.releaseAll();
    expect(await failed).toMatchObject({ reason: 'kafka_unavailable', retryable: true });
    // The batch behind it must not take the failed request's sequence numbers on the same producer.
    expect(await queued).toMatchObject({ reason: 'kafka_unavailable', retryable: true });
    expect(f.sends).toEqual([{ producer: 1, topic: 'fail' }]);
    expect(f.maxActive()).toBe(1);

    await until('a reconnect took a fresh producer into use', () => p.down === null);
    await p.publish('ok', [{ value: 'c' }]);
    expect(f.sends.at(-1)).toEqual({ producer: 2, topic: 'ok' });
    await p.close();
  });
});
