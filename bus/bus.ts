/** A message as a consumer sees it; `offset` is a decimal string (Kafka offsets exceed 2^53 in theory). */
export interface BusMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer;
  /** Broker or append time, epoch milliseconds. */
  timestampMs: number;
  /** The event already validated by an in-process producer; only a bus no outside producer can write to carries it. */
  validated?: unknown;
  /** Message headers (Kafka); see bus/trust.ts for the one mlobs reads. */
  headers?: Record<string, Buffer | string | undefined>;
}

export interface OutgoingMessage {
  key?: string;
  value: string | Buffer;
  /** The validated event, for buses that may hand it to the consumer as is (see BusMessage.validated). */
  validated?: unknown;
  /** Headers for buses that carry them (Kafka); the in-process bus drops them. */
  headers?: Record<string, string>;
}

/** A batch handler: resolving commits every message in the batch; rejecting leaves them to be delivered again. */
export type BatchHandler = (batch: BusMessage[]) => Promise<void>;

export interface ConsumeOptions {
  topics: string[];
  groupId: string;
  /** Most messages handed to one handler call. */
  maxBatchSize: number;
  /** How long to wait for a batch to fill before handing over what is there. */
  maxWaitMs: number;
  handler: BatchHandler;
  /** Called when the handler rejects; delivery of that partition pauses for the returned ms. */
  onHandlerError?: (err: unknown, attempt: number) => number;
}

/** A running consumer; `lag` is the number of messages published but not yet committed (best effort). */
export interface Consumption {
  lag(): number;
  stop(): Promise<void>;
}

/** Whether the bus can take and deliver messages now; `detail` says what is wrong when it cannot. */
export interface BusHealth {
  up: boolean;
  detail?: string;
}

/** Moves messages from producers to consumer groups with at-least-once delivery. */
export interface Bus {
  readonly kind: 'memory' | 'kafka';
  /**
   * Resolves once the bus holds the messages; throws BackpressureError when it cannot take more now,
   * and a retryable MlobsError when it cannot be reached within its bounded time.
   */
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  consume(opts: ConsumeOptions): Promise<Consumption>;
  /** Cheap and synchronous (readiness asks it on every probe): what the bus last learned, not a new round trip. */
  health(): BusHealth;
  /** Creates the topics if the bus needs that (idempotent). */
  ensureTopics(topics: string[]): Promise<void>;
  close(): Promise<void>;
}
