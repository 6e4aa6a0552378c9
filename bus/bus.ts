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
export interface Bus extends Coordination {
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

/** How a lease is held: Kafka's group session decides who holds it; the margin makes a holder give up before the session runs out. */
export interface LeaseOptions {
  /** The group session: a holder not heard from this long is replaced by the broker. */
  sessionTimeoutMs: number;
  /** How often the holder heartbeats (well under the session timeout). */
  heartbeatIntervalMs: number;
  /** A holder counts its lease lost once sessionTimeoutMs − marginMs passed since its last heartbeat. */
  marginMs: number;
}

/** A record written under a lease's fencing producer; `value: null` deletes the key of a compacted topic. */
export interface FencedRecord {
  key: string;
  value: string | null;
}

/**
 * One holder at a time in the whole fleet for `name`. `isHeld()` is computed when asked (never from a
 * stale flag), so a process resumed after a long pause sees its lease lost before any timer of its own
 * runs. `fence()` is the only way a holder changes fleet state: a write a newer holder has fenced fails.
 */
export interface Lease {
  readonly name: string;
  isHeld(): boolean;
  /** Called each time the lease is acquired (after the previous holder is fenced). */
  onAcquired(fn: () => void): void;
  /** Called when the lease is lost (a newer holder, a missed heartbeat deadline, the bus closing). */
  onLost(fn: (reason: string) => void): void;
  /** Writes records to a compacted topic under the fencing producer; rejects (reason 'lease_lost' or 'fenced') unless this process holds the lease. */
  fence(topic: string, records: FencedRecord[]): Promise<void>;
  /** The latest value of every key in a compacted topic, read to its end; only while holding (a fenced write marks the end). */
  readState(topic: string): Promise<Map<string, string>>;
  stop(): Promise<void>;
}

/** The live members of a group of processes (e.g. the scrapers): who is in it now, and who this process is. */
export interface Membership {
  /** This process's member id; null until it has joined. */
  self(): string | null;
  /** The member ids of the group's current generation, sorted; empty until joined. */
  members(): readonly string[];
  /** Called after the member list changed (a member joined or left). */
  onChange(fn: () => void): void;
  stop(): Promise<void>;
}

/** What fleet coordination needs from a bus; only a bus shared by several processes (Kafka) can offer more than one member. */
export interface Coordination {
  lease(name: string, opts: LeaseOptions): Promise<Lease>;
  membership(group: string, opts: LeaseOptions): Promise<Membership>;
}
