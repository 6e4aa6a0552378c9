import { CompressionTypes, Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import type { Logger } from '../core/log.js';
import { MlobsError } from '../core/errors.js';
import type { Bus, BusMessage, ConsumeOptions, Consumption, OutgoingMessage } from './bus.js';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  numPartitions: number;
  logger: Logger;
}

/** The bus on a Kafka cluster through kafkajs: durable, offsets committed only after the handler succeeds. */
export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private producer: Producer | null = null;
  private producerReady: Promise<Producer> | null = null;
  private readonly consumers = new Set<Consumer>();

  constructor(private readonly opts: KafkaBusOptions) {
    if (opts.brokers.length === 0) throw new RangeError('KafkaBus needs at least one broker');
    const log = opts.logger;
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: opts.brokers,
      logLevel: logLevel.WARN,
      retry: { initialRetryTime: 200, retries: 8 },
      logCreator: () => ({ namespace, level, log: entry }) => {
        const { message, ...fields } = entry;
        if (level <= logLevel.ERROR) log.error(`kafka: ${message}`, { namespace, ...fields });
        else log.warn(`kafka: ${message}`, { namespace, ...fields });
      },
    });
  }

  private getProducer(): Promise<Producer> {
    if (!this.producerReady) {
      const p = this.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
      this.producerReady = p.connect().then(() => (this.producer = p)).catch((e) => {
        this.producerReady = null;
        throw new MlobsError(`cannot connect to Kafka ${this.opts.brokers.join(',')}: ${(e as Error).message}`, { reason: 'kafka_unavailable', retryable: true, cause: e });
      });
    }
    return this.producerReady;
  }

  async ensureTopics(topics: string[]): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
    } catch (e) {
      throw new MlobsError(`cannot reach Kafka at ${this.opts.brokers.join(',')} (kafka.brokers / KAFKA_BROKERS): ${(e as Error).message}`, { reason: 'kafka_unavailable', retryable: true, cause: e });
    }
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length) {
        await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: this.opts.numPartitions })) });
      }
    } finally {
      await admin.disconnect();
    }
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const producer = await this.getProducer();
    try {
      await producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages: messages.map((m) => ({ key: m.key ?? null, value: m.value })) });
    } catch (e) {
      throw new MlobsError(`publish to ${topic} failed: ${(e as Error).message}`, { reason: 'kafka_publish_failed', retryable: true, cause: e });
    }
  }

  async consume(opts: ConsumeOptions): Promise<Consumption> {
    const consumer = this.kafka.consumer({
      groupId: opts.groupId,
      // The broker holds a fetch until enough bytes arrived or maxWaitMs passed: this is the time-based flush.
      minBytes: 1,
      maxWaitTimeInMs: Math.max(10, opts.maxWaitMs),
      maxBytesPerPartition: 16 * 1024 * 1024,
      maxBytes: 64 * 1024 * 1024,
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
    });
    this.consumers.add(consumer);
    await consumer.connect();
    for (const topic of opts.topics) await consumer.subscribe({ topic, fromBeginning: true });
    let lag = 0;
    const lags = new Map<string, number>();
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }) => {
        const all: BusMessage[] = batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key ? m.key.toString() : null,
          value: m.value ?? Buffer.alloc(0),
          timestampMs: Number(m.timestamp),
        }));
        for (let i = 0; i < all.length; i += opts.maxBatchSize) {
          const chunk = all.slice(i, i + opts.maxBatchSize);
          for (let attempt = 1; ; attempt++) {
            if (!isRunning() || isStale()) return;
            try {
              await opts.handler(chunk);
              break;
            } catch (err) {
              // Retry here rather than throwing: kafkajs would otherwise restart the consumer and
              // re-fetch; either way nothing is committed until the handler succeeds.
              const backoff = opts.onHandlerError?.(err, attempt) ?? Math.min(30_000, 100 * 2 ** attempt);
              const until = Date.now() + backoff;
              while (Date.now() < until && isRunning() && !isStale()) {
                await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
                await heartbeat().catch(() => {});
              }
            }
          }
          resolveOffset(chunk[chunk.length - 1]!.offset);
          await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(BigInt(chunk[chunk.length - 1]!.offset) + 1n) }] }] });
          await heartbeat();
        }
        lags.set(`${batch.topic}/${batch.partition}`, Number(batch.offsetLag()));
        lag = [...lags.values()].reduce((a, b) => a + b, 0);
      },
    });
    return {
      lag: () => lag,
      stop: async () => {
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.consumers].map((c) => c.disconnect()));
    if (this.producer) await this.producer.disconnect().catch(() => {});
  }
}
