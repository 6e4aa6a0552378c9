import { Consumer, type Message, type MessagesStream } from '@platformatic/kafka';
import type { BusMessage, ConsumeOptions, Consumption } from './bus.js';
import { short } from './kafka-publisher.js';
import { PLATFORMATIC_RETRY, closeNow } from './platformatic-producer.js';

type Msg = Message<Buffer, Buffer, Buffer, Buffer>;
type Stream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

export interface PlatformaticConsumerDeps {
  brokers: string[];
  clientId: string;
  /** Readiness: `problem` is a line for the bus's health while the consumer is not running, null once it is. */
  report(problem: string | null): void;
}

/** Thrown out of the batch loop when the stream failed or stopped: what was read and not committed is delivered again. */
class StreamEnded extends Error {}

/**
 * A consumer group on @platformatic/kafka with the kafkajs bus's semantics: batches of at most
 * maxBatchSize filled for at most maxWaitMs, the handler retried in place with backoff while it fails,
 * and offsets committed only after it succeeded. The client ends its message stream on any fetch error
 * (a broker restart, an outage); the consumer is then rebuilt with backoff until it has joined again,
 * and it resumes from the last committed offsets.
 */
export async function consumeWithPlatformatic(opts: ConsumeOptions, deps: PlatformaticConsumerDeps): Promise<Consumption> {
  let stopped = false;
  let current: { consumer: Consumer<Buffer, Buffer, Buffer, Buffer>; stream: Stream; failure: { error: unknown } } | null = null;
  let wake: (() => void) | null = null;
  const lags = new Map<string, number>();
  let lag = 0;

  const open = async () => {
    const consumer = new Consumer({
      clientId: deps.clientId,
      groupId: opts.groupId,
      bootstrapBrokers: deps.brokers,
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      ...PLATFORMATIC_RETRY,
    });
    try {
      const stream = await consumer.consume({
        topics: opts.topics,
        // Resume where the group committed; a new group starts from the beginning, like kafkajs's fromBeginning.
        mode: 'committed',
        fallbackMode: 'earliest',
        autocommit: false,
        // The broker holds a fetch until enough bytes arrived or maxWaitMs passed: the time-based flush.
        minBytes: 1,
        maxWaitTime: Math.max(10, opts.maxWaitMs),
        maxBytesPerPartition: 16 * 1024 * 1024,
        maxBytes: 64 * 1024 * 1024,
        // Room for one whole batch read ahead while the handler works on the previous one.
        highWaterMark: Math.max(1024, opts.maxBatchSize),
      });
      // Listened to at once: an 'error' without a listener would crash the process.
      const failure: { error: unknown } = { error: null };
      stream.on('error', (e) => (failure.error ??= e));
      // Paused mode without the client's own pause flag (which would stop its fetch loop): read() pulls.
      stream.on('readable', () => {});
      consumer.on('consumer:lag', (m: Map<string, bigint[]>) => {
        for (const [topic, parts] of m) parts.forEach((l, p) => (l >= 0n ? lags.set(`${topic}/${p}`, Number(l)) : lags.delete(`${topic}/${p}`)));
        lag = [...lags.values()].reduce((a, b) => a + b, 0);
      });
      consumer.startLagMonitoring({ topics: opts.topics }, 1_000);
      return { consumer, stream, failure };
    } catch (e) {
      await closeNow(consumer).catch(() => {});
      throw e;
    }
  };

  const close = async () => {
    const c = current;
    current = null;
    if (!c) return;
    c.consumer.stopLagMonitoring();
    await c.stream.close().catch(() => {});
    // Leaves the group, so the partitions move to another member at once rather than after the session timeout.
    await closeNow(c.consumer).catch(() => {});
  };

  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      wake = () => (clearTimeout(t), r());
    });

  /** The next batch: waits for a first message, then up to maxWaitMs for the batch to fill. */
  const nextBatch = async (stream: Stream, failure: { error: unknown }): Promise<Msg[]> => {
    const batch: Msg[] = [];
    let deadline = Infinity;
    for (;;) {
      if (stopped || failure.error || stream.destroyed || stream.readableEnded) throw new StreamEnded(failure.error ? short(failure.error) : 'stream ended');
      let m: Msg | null;
      while (batch.length < opts.maxBatchSize && (m = stream.read() as Msg | null) !== null) {
        if (batch.length === 0) deadline = Date.now() + opts.maxWaitMs;
        batch.push(m);
      }
      if (batch.length >= opts.maxBatchSize || (batch.length && Date.now() >= deadline)) return batch;
      await new Promise<void>((r) => {
        const done = () => (clearTimeout(t), stream.off('readable', done), stream.off('error', done), stream.off('close', done), (wake = null), r());
        const t = setTimeout(done, batch.length ? Math.max(0, deadline - Date.now()) : 1_000);
        stream.on('readable', done);
        stream.on('error', done);
        stream.on('close', done);
        wake = done;
      });
    }
  };

  const handle = async (batch: Msg[], failure: { error: unknown }) => {
    const messages: BusMessage[] = batch.map(toBusMessage);
    for (let attempt = 1; ; attempt++) {
      try {
        await opts.handler(messages);
        break;
      } catch (err) {
        // Retried here, like the kafkajs bus: nothing is committed until the handler succeeds, and the
        // group's heartbeats run on their own timer meanwhile.
        const backoff = opts.onHandlerError?.(err, attempt) ?? Math.min(30_000, 100 * 2 ** attempt);
        const until = Date.now() + backoff;
        while (Date.now() < until) {
          if (stopped || failure.error) throw new StreamEnded('stopped while the handler was failing');
          await sleep(Math.min(1000, until - Date.now()));
        }
      }
    }
    // The last message of each partition commits the partition up to it (its commit says offset + 1).
    const last = new Map<string, Msg>();
    for (const m of batch) last.set(`${m.topic}/${m.partition}`, m);
    try {
      await Promise.all([...last.values()].map((m) => m.commit() as Promise<void>));
    } catch (e) {
      // A rebalance under way: the client rejoins by itself and its stream resumes from the committed
      // offsets, so the batch just stored is delivered again (stored once: the sorting key is the event's
      // identity). Restarting the consumer here would only start another rebalance for every member.
      if (!(e as { findBy?: (k: string, v: unknown) => unknown }).findBy?.('needsRejoin', true)) throw e;
    }
  };

  const run = async () => {
    for (let attempt = 1; !stopped; ) {
      const c = current;
      if (c) {
        const failure = c.failure;
        try {
          for (;;) await handle(await nextBatch(c.stream, failure), failure);
        } catch (e) {
          if (stopped) break;
          deps.report(`consumer ${opts.groupId} stopped (${short(failure.error ?? e)}), restarting`);
        }
        await close();
        attempt = 1;
      }
      // Rebuilt with backoff until it has joined its group again.
      while (!stopped && !current) {
        await sleep(Math.min(5_000, 500 * attempt++));
        if (stopped) break;
        try {
          current = await open();
          deps.report(null);
        } catch (e) {
          deps.report(`consumer ${opts.groupId} cannot restart (${short(e)})`);
        }
      }
      if (stopped) break;
    }
  };

  current = await open();
  deps.report(null);
  const running = run();
  return {
    lag: () => lag,
    stop: async () => {
      stopped = true;
      (wake as (() => void) | null)?.();
      await running;
      await close();
      deps.report(null);
    },
  };
}

function toBusMessage(m: Msg): BusMessage {
  let headers: Record<string, Buffer> | undefined;
  if (m.headers.size) {
    headers = {};
    for (const [k, v] of m.headers) headers[k.toString()] = v;
  }
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset.toString(),
    key: m.key ? m.key.toString() : null,
    value: m.value ?? Buffer.alloc(0),
    timestampMs: Number(m.timestamp),
    ...(headers ? { headers } : {}),
  };
}
