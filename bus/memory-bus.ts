import { BackpressureError, MlobsError } from '../core/errors.js';
import type { Bus, BusHealth, BusMessage, ConsumeOptions, Consumption, Lease, Membership, OutgoingMessage } from './bus.js';
import { LocalLease, LocalMembership } from './memory-lease.js';

export interface MemoryBusOptions {
  /** Beyond this many messages not yet committed by every group, publish throws BackpressureError. */
  maxBufferedMessages: number;
  now?: () => number;
}

interface Log {
  messages: BusMessage[];
  /** Offset of messages[0]; messages below every group's commit are trimmed. */
  base: number;
  committed: Map<string, number>;
  waiters: Set<() => void>;
}

/**
 * In-process bus with Kafka's delivery contract (per-group committed offsets, redelivery of
 * uncommitted batches) but no durability: whatever is uncommitted is lost with the process.
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly logs = new Map<string, Log>();
  private readonly now: () => number;

  constructor(private readonly opts: MemoryBusOptions) {
    if (!(opts.maxBufferedMessages > 0)) throw new RangeError('maxBufferedMessages must be positive');
    this.now = opts.now ?? Date.now;
  }

  private log(topic: string): Log {
    let l = this.logs.get(topic);
    if (!l) this.logs.set(topic, (l = { messages: [], base: 0, committed: new Map(), waiters: new Set() }));
    return l;
  }

  /** In the process itself: up for as long as the process is. */
  health(): BusHealth {
    return { up: true };
  }

  async ensureTopics(topics: string[]): Promise<void> {
    for (const t of topics) this.log(t);
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const log = this.log(topic);
    if (messages.length > this.opts.maxBufferedMessages) {
      // Waiting would never help: say so instead of answering 503 forever.
      throw new MlobsError(`a batch of ${messages.length} events exceeds the bus capacity of ${this.opts.maxBufferedMessages} (bus.maxBufferedMessages); send smaller batches`, { reason: 'body_too_large', retryable: false });
    }
    if (log.messages.length + messages.length > this.opts.maxBufferedMessages && messages.length > 0) {
      throw new BackpressureError(`bus topic ${topic} holds ${log.messages.length} unconsumed messages (limit ${this.opts.maxBufferedMessages})`, 1000);
    }
    const ts = this.now();
    let offset = log.base + log.messages.length;
    for (const m of messages) {
      // Nobody outside this process can write here, so an event validated by the producer needs no second check.
      log.messages.push({ topic, partition: 0, offset: String(offset++), key: m.key ?? null, value: Buffer.isBuffer(m.value) ? m.value : Buffer.from(m.value), timestampMs: ts, validated: m.validated });
    }
    for (const w of [...log.waiters]) w();
  }

  async consume(opts: ConsumeOptions): Promise<Consumption> {
    const loops = opts.topics.map((t) => this.runLoop(t, opts));
    return {
      lag: () => loops.reduce((n, l) => n + l.lag(), 0),
      stop: async () => {
        await Promise.all(loops.map((l) => l.stop()));
      },
    };
  }

  private runLoop(topic: string, opts: ConsumeOptions) {
    const log = this.log(topic);
    if (!log.committed.has(opts.groupId)) log.committed.set(opts.groupId, log.base);
    let stopped = false;
    let wake: (() => void) | null = null;
    // A publish wakes a waiting consumer early, except during a retry backoff.
    const sleep = (ms: number, wakeOnPublish = true) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(done, ms);
        function done() {
          clearTimeout(t);
          log.waiters.delete(done);
          wake = null;
          resolve();
        }
        wake = done;
        if (wakeOnPublish) log.waiters.add(done);
      });
    const pending = () => log.base + log.messages.length - log.committed.get(opts.groupId)!;
    const loop = async () => {
      let attempt = 0;
      while (!stopped) {
        if (pending() === 0) {
          await sleep(1000);
          continue;
        }
        // Let a batch fill up to maxBatchSize or maxWaitMs, whichever comes first.
        const firstSeen = this.now();
        while (!stopped && pending() < opts.maxBatchSize && this.now() - firstSeen < opts.maxWaitMs) {
          await sleep(Math.max(1, opts.maxWaitMs - (this.now() - firstSeen)));
        }
        if (stopped) break;
        const from = log.committed.get(opts.groupId)! - log.base;
        const batch = log.messages.slice(from, from + opts.maxBatchSize);
        try {
          await opts.handler(batch);
          attempt = 0;
          log.committed.set(opts.groupId, Number(batch[batch.length - 1]!.offset) + 1);
          this.trim(log);
        } catch (err) {
          attempt++;
          const backoff = opts.onHandlerError?.(err, attempt) ?? Math.min(30_000, 100 * 2 ** attempt);
          await sleep(backoff, false);
        }
      }
    };
    const running = loop();
    return {
      lag: pending,
      stop: async () => {
        stopped = true;
        (wake as (() => void) | null)?.();
        await running;
      },
    };
  }

  private trim(log: Log) {
    const low = Math.min(...log.committed.values());
    const drop = low - log.base;
    if (drop > 4096 || drop === log.messages.length) {
      log.messages.splice(0, drop);
      log.base = low;
    }
  }

  /** One process is the whole fleet on this bus: it holds every lease. */
  async lease(name: string): Promise<Lease> {
    return new LocalLease(name);
  }

  async membership(): Promise<Membership> {
    return new LocalMembership();
  }

  async close(): Promise<void> {
    for (const l of this.logs.values()) for (const w of [...l.waiters]) w();
  }
}
