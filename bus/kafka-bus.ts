import { Kafka, logLevel, type ConsumerRunConfig } from 'kafkajs';
import type { Logger } from '../core/log.js';
import { MlobsError } from '../core/errors.js';
import type { Bus, BusHealth, BusMessage, ConsumeOptions, Consumption, Lease, LeaseOptions, Membership, OutgoingMessage } from './bus.js';
import { KafkaLease } from './kafka-lease.js';
import { KafkaMembership } from './kafka-membership.js';
import { consumeWithPlatformatic } from './platformatic-consumer.js';
import { platformaticProducers, type PlatformaticCompression } from './platformatic-producer.js';
import { KAFKA_RETRY, KafkaPublisher, kafkajsProducers, short } from './kafka-publisher.js';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  numPartitions: number;
  /** Longest a publish may take; past it the publish fails with `kafka_unavailable` (HTTP answers 503). */
  publishTimeoutMs: number;
  /** How often to try to reconnect while the brokers are unreachable. Default 1 s. */
  probeIntervalMs?: number;
  logger: Logger;
  now?: () => number;
  /** The kafkajs client to use instead of one built from these options (tests inject a fake). */
  client?: Kafka;
  /**
   * The client of the data path (publish and consume): `kafkajs` or `platformatic` (@platformatic/kafka,
   * less CPU per event; README "Kafka client"). Default platformatic, as kafka.client's. Topics, leases and
   * membership use kafkajs either way.
   */
  dataClient?: KafkaDataClient;
  /** Batch compression of published messages; only `platformatic` offers it here (kafkajs ships no lz4 codec). */
  compression?: PlatformaticCompression;
}

export type KafkaDataClient = 'kafkajs' | 'platformatic';
export const KAFKA_DATA_CLIENTS: readonly KafkaDataClient[] = ['kafkajs', 'platformatic'];

/** The bus on a Kafka cluster: durable, offsets committed only after the handler succeeds. */
export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly publisher: KafkaPublisher;
  private readonly dataClient: KafkaDataClient;
  /** How to stop each running consumer (close() stops them all). */
  private readonly stops = new Set<() => Promise<void>>();
  /** Why a consumer is not running, by consumer (a kafkajs Consumer, or a key of the platformatic one). */
  private readonly crashed = new Map<object, string>();

  constructor(private readonly opts: KafkaBusOptions) {
    if (opts.brokers.length === 0) throw new RangeError('KafkaBus needs at least one broker');
    const dataClient = (this.dataClient = opts.dataClient ?? 'platformatic');
    if (!KAFKA_DATA_CLIENTS.includes(dataClient)) throw new RangeError(`kafka.client must be one of ${KAFKA_DATA_CLIENTS.join(', ')}, got ${JSON.stringify(dataClient)}`);
    if (opts.compression && opts.compression !== 'none' && dataClient !== 'platformatic') throw new RangeError(`kafka.compression ${opts.compression} needs kafka.client platformatic`);
    const log = opts.logger;
    this.kafka = opts.client ?? new Kafka({
      clientId: opts.clientId,
      brokers: opts.brokers,
      logLevel: logLevel.WARN,
      retry: KAFKA_RETRY,
      // kafkajs waits 30 s for any answer by default; a broker that accepts connections but does not
      // answer would hold a retired producer that long per attempt. Fetches and joins add their own waits.
      requestTimeout: 10_000,
      logCreator: () => ({ namespace, level, log: entry }) => {
        const { message, ...fields } = entry;
        // We bound the idempotent producer's retries on purpose: a producer whose send failed is
        // replaced (new producer id), so a later batch cannot reuse the failed one's sequence numbers.
        if (message.startsWith('Limiting retries for the idempotent producer')) return;
        if (level <= logLevel.ERROR) log.error(`kafka: ${message}`, { namespace, ...fields });
        else log.warn(`kafka: ${message}`, { namespace, ...fields });
      },
    });
    const producers = dataClient === 'platformatic' ? platformaticProducers({ brokers: opts.brokers, clientId: opts.clientId, compression: opts.compression }) : kafkajsProducers(this.kafka);
    this.publisher = new KafkaPublisher(producers, { ...opts, now: opts.now ?? Date.now });
  }

  private get brokerList(): string {
    return this.opts.brokers.join(',');
  }

  health(): BusHealth {
    const down = this.publisher.down;
    if (down) return { up: false, detail: `kafka unreachable (brokers ${this.brokerList}) since ${new Date(down.sinceMs).toISOString()}: ${down.error}` };
    if (this.crashed.size) return { up: false, detail: `kafka (brokers ${this.brokerList}): ${[...this.crashed.values()].join('; ')}` };
    return { up: true };
  }

  async ensureTopics(topics: string[]): Promise<void> {
    await this.createTopics(topics, { partitions: this.opts.numPartitions, compacted: false });
  }

  /** Topics already known to exist (coordination writes ensure theirs before every write). */
  private readonly known = new Set<string>();

  private async createTopics(topics: string[], o: { partitions: number; compacted: boolean }): Promise<void> {
    if (topics.every((t) => this.known.has(t))) return;
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
        const configEntries = o.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [];
        // Several processes may create the same topic at once: the loser's "already exists" is fine.
        // Its metadata may also lag right after creation ("does not host this topic-partition"): any
        // error here is judged by the wait below, which fails with it if the topics never get leaders.
        let failure: unknown = null;
        await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: o.partitions, configEntries })) }).catch((e) => (failure = e));
        // The loser of such a race (or a process started right after it) may ask before the topic's
        // leader is known: wait, bounded, until every partition has one.
        for (let attempt = 0; ; attempt++) {
          const md = await admin.fetchTopicMetadata({ topics: missing }).catch(() => null);
          if (md?.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) break;
          if (attempt >= 50) throw new MlobsError(`Kafka topics ${missing.join(', ')} have no leader after 10 s${failure ? ` (creating them: ${(failure as Error).message})` : ''}`, { reason: 'kafka_unavailable', retryable: true, cause: failure });
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      for (const t of topics) this.known.add(t);
    } finally {
      await admin.disconnect();
    }
  }

  publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    return this.publisher.publish(topic, messages);
  }

  async consume(opts: ConsumeOptions): Promise<Consumption> {
    if (this.dataClient === 'platformatic') return this.consumeWithPlatformatic(opts);
    const consumer = this.kafka.consumer({
      groupId: opts.groupId,
      // The broker holds a fetch until enough bytes arrived or maxWaitMs passed: this is the time-based flush.
      minBytes: 1,
      maxWaitTimeInMs: Math.max(10, opts.maxWaitMs),
      maxBytesPerPartition: 16 * 1024 * 1024,
      maxBytes: 64 * 1024 * 1024,
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      // A consumer whose broker went away crashes once these retries run out and is restarted
      // (below if kafkajs does not): short backoff, so it is back within about a second of the broker.
      retry: KAFKA_RETRY,
    });
    let stopped = false;
    let restarting: Promise<void> | null = null;
    let restartWanted = false;
    let wake: (() => void) | null = null;
    const start = async () => {
      await consumer.connect();
      for (const topic of opts.topics) await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run(runConfig);
    };
    // kafkajs restarts a crashed consumer only after errors it deems retriable; some errors of an
    // outage are not (no group coordinator yet, seen when a broker comes back), and the sink would stay
    // dead until the process restarts. Those crashes are restarted here, with backoff, until one runs.
    const restart = async () => {
      for (let attempt = 1; restartWanted && !stopped; attempt++) {
        restartWanted = false;
        await new Promise<void>((r) => {
          const t = setTimeout(r, Math.min(5_000, 500 * attempt));
          wake = () => (clearTimeout(t), r());
        });
        if (stopped) break;
        try {
          await start(); // a join that fails inside crashes again, which sets restartWanted
        } catch (e) {
          this.crashed.set(consumer, `consumer ${opts.groupId} cannot restart (${short(e)})`);
          restartWanted = true;
          await consumer.disconnect().catch(() => {});
        }
      }
    };
    // Readiness: a crashed consumer makes the bus unready until it has joined its group again.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.crashed.set(consumer, `consumer ${opts.groupId} crashed (${short(payload.error)}), restarting`);
      if (payload.restart || stopped) return;
      restartWanted = true;
      restarting ??= restart().finally(() => (restarting = null));
    });
    consumer.on(consumer.events.GROUP_JOIN, () => this.crashed.delete(consumer));
    let lag = 0;
    const lags = new Map<string, number>();
    const runConfig: ConsumerRunConfig = {
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
          ...(m.headers && Object.keys(m.headers).length ? { headers: m.headers as BusMessage['headers'] } : {}),
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
    };
    const stop = async () => {
      stopped = true;
      (wake as (() => void) | null)?.();
      await restarting;
      this.stops.delete(stop);
      this.crashed.delete(consumer);
      await consumer.disconnect();
    };
    this.stops.add(stop);
    try {
      await start();
    } catch (e) {
      await stop().catch(() => {});
      throw e;
    }
    return { lag: () => lag, stop };
  }

  private async consumeWithPlatformatic(opts: ConsumeOptions): Promise<Consumption> {
    const key = {}; // this consumer's entry in `crashed`
    const c = await consumeWithPlatformatic(opts, {
      brokers: this.opts.brokers,
      clientId: this.opts.clientId,
      report: (problem) => (problem ? this.crashed.set(key, problem) : this.crashed.delete(key)),
    });
    const stop = async () => {
      this.stops.delete(stop);
      await c.stop();
    };
    this.stops.add(stop);
    return { lag: () => c.lag(), stop };
  }

  /** A lease named `name` (topic, group and transactional id derive from it); see KafkaLease. */
  async lease(name: string, opts: LeaseOptions): Promise<Lease> {
    const lease = new KafkaLease(name, opts, { kafka: this.kafka, logger: this.opts.logger, now: this.opts.now ?? Date.now, ensureTopic: (t, o) => this.createTopics([t], o) });
    await lease.start();
    this.stops.add(() => lease.stop());
    return lease;
  }

  async membership(group: string, opts: LeaseOptions): Promise<Membership> {
    const m = new KafkaMembership(group, opts, { kafka: this.kafka, logger: this.opts.logger, ensureTopic: (t, o) => this.createTopics([t], o) });
    await m.start();
    this.stops.add(() => m.stop());
    return m;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.stops].map((stop) => stop()));
    await this.publisher.close();
  }
}

