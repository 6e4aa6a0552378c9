import { CompressionTypes, Partitioners, type Kafka, type RetryOptions } from 'kafkajs';
import type { Logger } from '../core/log.js';
import { MlobsError, errorMessage } from '../core/errors.js';
import type { OutgoingMessage } from './bus.js';

// kafkajs retries inside every call. Its defaults (and an idempotent producer's unlimited retries)
// let one send wait for minutes while a broker is gone; these keep every call, including one we
// stopped waiting for, finite (about 2.5 s of backoff per call) so abandoned work cannot pile up.
export const KAFKA_RETRY: RetryOptions = { initialRetryTime: 100, maxRetryTime: 1000, retries: 5, factor: 0.2, multiplier: 2 };

export interface KafkaPublisherOptions {
  brokers: string[];
  /** Longest a publish may take; past it the publish fails with `kafka_unavailable` (HTTP answers 503). */
  publishTimeoutMs: number;
  /** How often to try to reconnect while the brokers are unreachable. Default 1 s. */
  probeIntervalMs?: number;
  logger: Logger;
  now: () => number;
}

/**
 * One idempotent producer (acks all) of whichever Kafka client the bus uses: KafkaPublisher owns the
 * retry, retire and probe logic, so that both clients keep exactly the same delivery guarantees.
 */
export interface BusProducer {
  /** Resolves once the producer is connected (and holds its producer id); bounded by the client's retries. */
  connect(): Promise<void>;
  send(topic: string, messages: OutgoingMessage[], timeoutMs: number): Promise<void>;
  disconnect(): Promise<void>;
}

export interface ProducerClient {
  producer(): BusProducer;
  /** True for faults that waiting may cure (the broker unreachable, a leader moving), as the client itself decides. */
  isTransient(e: unknown): boolean;
}

/** The kafkajs producers of the stack: idempotent, one request in flight, Java-compatible partitioning. */
export function kafkajsProducers(kafka: Kafka): ProducerClient {
  return {
    producer: () => {
      const producer = kafka.producer({
        allowAutoTopicCreation: false,
        idempotent: true,
        maxInFlightRequests: 1,
        retry: KAFKA_RETRY,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      return {
        connect: () => producer.connect(),
        disconnect: () => producer.disconnect(),
        send: async (topic, messages, timeoutMs) => {
          await producer.send({ topic, acks: -1, timeout: timeoutMs, compression: CompressionTypes.None, messages: messages.map((m) => ({ key: m.key ?? null, value: m.value, ...(m.headers ? { headers: m.headers } : {}) })) });
        },
      };
    },
    isTransient: isKafkajsTransient,
  };
}

/** A producer with the sends still running on it. */
interface ProducerSlot {
  producer: BusProducer;
  ready: Promise<void>;
  /** Settles when the last send queued on this producer has settled. */
  tail: Promise<unknown>;
  inFlight: Set<Promise<unknown>>;
  retired: boolean;
}

class Deadline extends Error {}
class Retired extends Error {}

/**
 * The producing side of the Kafka bus: every publish ends within publishTimeoutMs. After a failure the
 * brokers count as down: publishes fail at once and a probe reconnects in the background.
 */
export class KafkaPublisher {
  private slot: ProducerSlot | null = null;
  /** The producer a probe is connecting, so that close() can reach it. */
  private probeSlot: ProducerSlot | null = null;
  private readonly retiring = new Map<ProducerSlot, Promise<void>>();
  private downSince: { sinceMs: number; error: string } | null = null;
  private probing = false;
  private wakeProbe: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly client: ProducerClient,
    private readonly opts: KafkaPublisherOptions,
  ) {
    if (!(opts.publishTimeoutMs > 0)) throw new RangeError('publishTimeoutMs must be positive');
    if (opts.probeIntervalMs !== undefined && !(opts.probeIntervalMs > 0)) throw new RangeError('probeIntervalMs must be positive');
  }

  /** Non-null while the brokers are known unreachable. */
  get down(): { sinceMs: number; error: string } | null {
    return this.downSince;
  }

  private get brokerList(): string {
    return this.opts.brokers.join(',');
  }

  private newSlot(): ProducerSlot {
    const producer = this.client.producer();
    const ready = producer.connect();
    ready.catch(() => {}); // observed by the sends (or the probe) that wait on it
    return { producer, ready, tail: ready, inFlight: new Set(), retired: false };
  }

  /**
   * Takes a producer out of use and disconnects it once its sends have settled (each is finite, see
   * KAFKA_RETRY; queued ones fail at once): disconnecting earlier would let a send's own retry reconnect
   * it and leak its sockets.
   * A send we stopped waiting for may still complete; its events are then stored twice on the bus and
   * once in storage, whose sorting key is the event's identity.
   */
  private retire(slot: ProducerSlot): void {
    if (this.slot === slot) this.slot = null;
    if (slot.retired) return;
    slot.retired = true;
    const done = Promise.allSettled([slot.ready, ...slot.inFlight])
      .then(() => slot.producer.disconnect())
      .catch(() => {})
      .finally(() => this.retiring.delete(slot));
    this.retiring.set(slot, done);
  }

  private unavailable(why: string, cause?: unknown): MlobsError {
    return new MlobsError(`Kafka brokers ${this.brokerList} (kafka.brokers) unreachable: ${why}; retry later`, { reason: 'kafka_unavailable', retryable: true, cause });
  }

  private markDown(error: string): void {
    if (!this.downSince) {
      this.downSince = { sinceMs: this.opts.now(), error };
      this.opts.logger.warn('kafka unreachable; publishes fail at once until a reconnect succeeds', { brokers: this.brokerList, error });
    } else this.downSince.error = error;
    void this.probe();
  }

  /** While down: reconnect a fresh producer every probeIntervalMs until one connects, then take it into use. */
  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      while (this.downSince && !this.closed) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.opts.probeIntervalMs ?? 1000);
          this.wakeProbe = () => (clearTimeout(t), resolve());
        });
        this.wakeProbe = null;
        if (this.closed) break;
        const slot = (this.probeSlot = this.newSlot());
        try {
          await slot.ready; // finite: the connect retries are bounded by KAFKA_RETRY
        } catch (e) {
          this.retire(slot);
          if (this.downSince) this.downSince.error = short(e);
          continue;
        } finally {
          this.probeSlot = null;
        }
        if (this.closed) {
          this.retire(slot);
          break;
        }
        if (this.slot) this.retire(this.slot);
        this.slot = slot;
        this.opts.logger.info('kafka reachable again', { brokers: this.brokerList, downForMs: this.opts.now() - this.downSince!.sinceMs });
        this.downSince = null;
      }
    } finally {
      this.probing = false;
    }
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    // Fail fast while known down: a producer learns to back off at once instead of after the full bound.
    if (this.downSince) throw this.unavailable(`down since ${new Date(this.downSince.sinceMs).toISOString()} (${this.downSince.error})`);
    if (this.closed) throw new MlobsError('the Kafka bus is closed', { reason: 'kafka_unavailable', retryable: true });
    const slot = (this.slot ??= this.newSlot());
    // One send at a time per producer. kafkajs gives a failed request's sequence numbers back while it
    // waits to retry; a concurrent send of the same size could take them, and if the failed request had
    // in fact been written, the broker would take that send for a duplicate and drop it, though acknowledged.
    const send = slot.tail.then(() => {
      if (slot.retired) throw new Retired();
      return slot.producer.send(topic, messages, this.opts.publishTimeoutMs);
    });
    const settled = () => slot.inFlight.delete(send);
    // Retired here, before the next queued send looks, not when this publish's await resumes (later ticks).
    slot.tail = send.then(settled, () => (settled(), this.retire(slot)));
    slot.inFlight.add(send);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        send,
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Deadline()), this.opts.publishTimeoutMs))),
      ]);
    } catch (e) {
      // Any failed send retires its producer: kafkajs hands a failed batch's sequence numbers to the
      // next batch, which the broker would drop as a duplicate if the failed one had in fact been written
      // (@platformatic/kafka likewise advances its sequence numbers only when a send succeeded).
      this.retire(slot);
      if (e instanceof Retired) throw this.unavailable(`an earlier publish on the same connection failed (${this.down?.error ?? 'see the log'})`);
      if (e instanceof Deadline) {
        const why = `publish to ${topic} did not complete within ${this.opts.publishTimeoutMs} ms (kafka.publishTimeoutMs)`;
        this.markDown(why);
        throw this.unavailable(why);
      }
      if (this.client.isTransient(e)) {
        this.markDown(short(e));
        throw this.unavailable(`publish to ${topic} failed: ${short(e)}`, e);
      }
      throw new MlobsError(`publish to ${topic} failed: ${errorMessage(e)}`, { reason: 'kafka_publish_failed', retryable: true, cause: e });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeProbe?.();
    for (const slot of [this.slot, this.probeSlot]) if (slot) this.retire(slot);
    // Retired producers disconnect once their sends settle, which KAFKA_RETRY keeps finite but not short
    // against a broker that does not answer (kafkajs's disconnect itself waits for pending requests):
    // close() waits one publish bound and leaves the rest to end on their own request timeout.
    const rest = Promise.allSettled([...this.retiring.values()]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([rest, new Promise((r) => (timer = setTimeout(r, this.opts.publishTimeoutMs)))]);
    clearTimeout(timer);
  }
}

/** True for faults that waiting may cure (the broker unreachable, a leader moving), as kafkajs itself decides. */
function isKafkajsTransient(e: unknown): boolean {
  let root: any = e;
  while (root?.cause) root = root.cause;
  return (e as any)?.name === 'KafkaJSNumberOfRetriesExceeded' || (e as any)?.retriable === true || root?.retriable === true;
}

/** An error message short enough for a readiness line or a 503 body. */
export function short(e: unknown): string {
  const m = errorMessage(e);
  return m.length > 300 ? `${m.slice(0, 300)}…` : m;
}

/**
 * Runs a start-up step again after a failure (a topic another process just created may not be served
 * yet; a group coordinator may be moving): five attempts, a second apart, `reset` between them.
 */
export async function retrying(step: () => Promise<void>, reset: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (e) {
      if (attempt >= 5) throw e;
      await reset().catch(() => {});
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
