import { ProduceAcks, Producer, murmur2 } from '@platformatic/kafka';
import type { OutgoingMessage } from './bus.js';
import type { ProducerClient } from './kafka-publisher.js';

/**
 * The client's own retries, bounded like KAFKA_RETRY for kafkajs: a call we stopped waiting for still
 * ends within seconds, so abandoned sends cannot pile up while a broker is gone.
 */
export const PLATFORMATIC_RETRY = { retries: 5, retryDelay: (_c: unknown, _op: string, attempt: number) => Math.min(1000, 100 * 2 ** attempt), timeout: 10_000 } as const;

export type PlatformaticCompression = 'none' | 'lz4';

export interface PlatformaticProducerOptions {
  brokers: string[];
  clientId: string;
  compression?: PlatformaticCompression;
}

/**
 * The partition before the client takes it modulo the topic's partition count: murmur2(key) & 0x7fffffff
 * like Java and kafkajs's DefaultPartitioner, so that a key lands on the same partition (its order kept)
 * whichever client wrote it; keyless messages go round robin like kafkajs's (the client's own
 * compatibility partitioner would put them all on partition 0).
 */
export function javaCompatiblePartitioner(): (message: unknown, key: Buffer | undefined) => number {
  let next = 0;
  return (_message, key) => (Buffer.isBuffer(key) ? murmur2(key) & 0x7fffffff : (next = (next + 1) & 0x7fffffff));
}

/** The @platformatic/kafka producers of the stack: idempotent, acks all, Java-compatible partitioning. */
export function platformaticProducers(opts: PlatformaticProducerOptions): ProducerClient {
  return {
    producer: () => {
      const producer = new Producer({
        clientId: opts.clientId,
        bootstrapBrokers: opts.brokers,
        idempotent: true,
        acks: ProduceAcks.ALL,
        autocreateTopics: false,
        partitioner: javaCompatiblePartitioner(),
        ...(opts.compression && opts.compression !== 'none' ? { compression: opts.compression } : {}),
        ...PLATFORMATIC_RETRY,
      });
      return {
        // Fetching the producer id is the first thing a send would do; doing it here makes `connect`
        // mean the same as for kafkajs (the probe takes a producer into use only once it resolves).
        connect: async () => {
          await producer.initIdempotentProducer({});
        },
        disconnect: () => closeNow(producer),
        send: async (topic, messages) => {
          await producer.send({ messages: messages.map((m) => toRecord(topic, m)) });
        },
      };
    },
    isTransient: isPlatformaticTransient,
  };
}

function toRecord(topic: string, m: OutgoingMessage) {
  const headers = m.headers ? new Map(Object.entries(m.headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])) : undefined;
  return {
    topic,
    ...(m.key !== undefined ? { key: Buffer.from(m.key) } : {}),
    value: typeof m.value === 'string' ? Buffer.from(m.value) : m.value,
    ...(headers ? { headers } : {}),
  };
}

interface FindBy {
  findBy?: (property: string, value: unknown) => unknown;
}

/** Network faults (refused, reset, timed out) and protocol errors the client marks retriable (a leader moving). */
export function isPlatformaticTransient(e: unknown): boolean {
  const err = e as FindBy | null;
  if (typeof err?.findBy !== 'function') return false;
  return Boolean(err.findBy('code', 'PLT_KFK_NETWORK') || err.findBy('canRetry', true));
}

/** close(true): do not wait for in-flight requests to be answered (a retired producer's broker may never answer). */
export function closeNow(client: { close(force?: boolean): Promise<void> }): Promise<void> {
  return client.close(true);
}
