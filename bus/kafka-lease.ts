import { randomUUID } from 'node:crypto';
import { AssignerProtocol, type Consumer, type Kafka, type PartitionAssigner, type Producer, type RecordMetadata } from 'kafkajs';
import type { Logger } from '../core/log.js';
import { MlobsError, errorMessage } from '../core/errors.js';
import type { FencedRecord, Lease, LeaseOptions } from './bus.js';
import { KAFKA_RETRY, retrying } from './kafka-publisher.js';

export interface KafkaLeaseDeps {
  kafka: Kafka;
  logger: Logger;
  now: () => number;
  /** Creates a topic if missing: `partitions`, and log compaction when `compacted`. */
  ensureTopic(topic: string, opts: { partitions: number; compacted: boolean }): Promise<void>;
}

/** The key of the record that marks "everything before this was written by an earlier holder". */
export const MARKER_KEY = '__lease_marker';
const READ_TIMEOUT_MS = 60_000;

/** Errors the broker answers to a producer whose epoch a newer producer with the same transactional id bumped. */
export function isFencedError(e: unknown): boolean {
  for (let x: any = e; x; x = x.cause ?? x.originalError) {
    if (['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING', 'INVALID_TXN_STATE'].includes(x.type)) return true;
  }
  return false;
}

/**
 * Assigns the single coordination partition: to the member that says it holds it (so a member joining
 * does not move the lease), else to the lowest member id. Only the group's leader runs this.
 */
function leaseAssigner(holding: () => boolean): PartitionAssigner {
  return () => ({
    name: 'MlobsLeaseAssigner',
    version: 1,
    async assign({ members, topics }) {
      const claim = (m: { memberMetadata: Buffer }) => AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData?.toString() === 'holding';
      const sorted = [...members].sort((a, b) => a.memberId.localeCompare(b.memberId));
      const winner = sorted.find(claim) ?? sorted[0];
      return sorted.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: m === winner ? Object.fromEntries(topics.map((t) => [t, [0]])) : {}, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: 'MlobsLeaseAssigner', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from(holding() ? 'holding' : 'standby') }) };
    },
  });
}

/**
 * A lease on Kafka's own mechanisms. Election: group membership on a one-partition coordination topic;
 * the member assigned partition 0 is the candidate. Fencing: a transactional producer whose id is the
 * lease's, so acquiring bumps the epoch and every later write of an earlier holder fails. Liveness: the
 * holder counts its lease lost once `sessionTimeoutMs − marginMs` passed since its last successful
 * heartbeat, before the broker could hand the partition to another member.
 */
export class KafkaLease implements Lease {
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  /** Partition 0 was ours at the last join. */
  private assigned = false;
  private lastHeartbeatMs = Number.NEGATIVE_INFINITY;
  private held = false;
  private acquiring = false;
  private nextAcquireMs = 0;
  private generation = -1;
  private writes: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly acquired: (() => void)[] = [];
  private readonly lost: ((reason: string) => void)[] = [];
  private readonly topic: string;

  constructor(
    readonly name: string,
    private readonly opts: LeaseOptions,
    private readonly deps: KafkaLeaseDeps,
  ) {
    if (!(opts.marginMs > 0 && opts.marginMs + 2 * opts.heartbeatIntervalMs < opts.sessionTimeoutMs)) throw new RangeError('lease margin must leave two heartbeats of the session timeout');
    this.topic = `${name}.lease`;
  }

  async start(): Promise<void> {
    await this.deps.ensureTopic(this.topic, { partitions: 1, compacted: false });
    const consumer = this.deps.kafka.consumer({
      groupId: this.topic,
      sessionTimeout: this.opts.sessionTimeoutMs,
      rebalanceTimeout: this.opts.sessionTimeoutMs,
      heartbeatInterval: this.opts.heartbeatIntervalMs,
      // Nothing is ever written to the coordination topic: an idle fetch returns after this and the
      // runner heartbeats between fetches, so heartbeats keep their interval.
      maxWaitTimeInMs: Math.min(500, this.opts.heartbeatIntervalMs),
      partitionAssigners: [leaseAssigner(() => this.held)],
      retry: KAFKA_RETRY,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.lastHeartbeatMs = this.deps.now();
      this.assigned = (payload.memberAssignment[this.topic] ?? []).includes(0);
      this.review(this.assigned ? 'joined as holder' : 'another member holds it');
    });
    consumer.on(consumer.events.HEARTBEAT, ({ payload }) => {
      this.lastHeartbeatMs = this.deps.now();
      this.generation = payload.groupGenerationId;
      this.review('heartbeat');
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.assigned = false;
      this.review(`coordination consumer crashed: ${errorMessage(payload.error)}`);
      if (!payload.restart && !this.stopped) setTimeout(() => void this.restartConsumer(), 1000);
    });
    await retrying(() => this.runConsumer(), () => this.consumer!.disconnect());
    // Between events, the deadline still passes: check it often (isHeld() checks it on every call too).
    this.timer = setInterval(() => this.review('no heartbeat within the lease deadline'), Math.max(50, Math.min(250, this.opts.heartbeatIntervalMs / 2)));
  }

  private async runConsumer(): Promise<void> {
    const c = this.consumer!;
    await c.connect();
    await c.subscribe({ topic: this.topic, fromBeginning: false });
    await c.run({ autoCommit: false, eachBatch: async () => {} });
  }

  private async restartConsumer(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.consumer?.disconnect();
      await this.runConsumer();
    } catch (e) {
      this.deps.logger.warn('lease coordination consumer cannot restart; retrying', { lease: this.name, error: errorMessage(e) });
      setTimeout(() => void this.restartConsumer(), 2000);
    }
  }

  /** Ours at the last join, and heard from the broker recently enough that no one else can have it. */
  private candidate(): boolean {
    return !this.stopped && this.assigned && this.deps.now() - this.lastHeartbeatMs < this.opts.sessionTimeoutMs - this.opts.marginMs;
  }

  isHeld(): boolean {
    return this.held && this.candidate();
  }

  /** The group generation of the last heartbeat (kafkajs reports it there only); -1 before one. */
  get groupGeneration(): number {
    return this.generation;
  }

  onAcquired(fn: () => void): void {
    this.acquired.push(fn);
    if (this.isHeld()) queueMicrotask(fn);
  }

  onLost(fn: (reason: string) => void): void {
    this.lost.push(fn);
  }

  private review(why: string): void {
    if (this.held && !this.candidate()) this.lose(why);
    if (!this.held && this.candidate() && !this.acquiring && this.deps.now() >= this.nextAcquireMs) void this.acquire();
  }

  private lose(reason: string): void {
    if (!this.held) return;
    this.held = false;
    const p = this.producer;
    this.producer = null;
    void p?.disconnect().catch(() => {});
    this.deps.logger.warn('lease lost', { lease: this.name, reason });
    for (const fn of this.lost) fn(reason);
  }

  private async acquire(): Promise<void> {
    this.acquiring = true;
    // Initialising the transactional id makes the broker bump its epoch (fencing every earlier
    // producer of this id) and abort a transaction an earlier holder left open. kafkajs does that on
    // the first transaction(), not on connect(): an empty transaction, aborted, is the fence.
    const producer = this.deps.kafka.producer({ transactionalId: this.topic, maxInFlightRequests: 1, idempotent: true, transactionTimeout: this.opts.sessionTimeoutMs, retry: KAFKA_RETRY });
    try {
      await producer.connect();
      await (await producer.transaction()).abort();
      if (!this.candidate()) throw new Error('lease deadline passed while fencing');
      this.producer = producer;
      this.held = true;
      this.deps.logger.info('lease acquired', { lease: this.name, generation: this.generation });
      for (const fn of this.acquired) fn();
    } catch (e) {
      await producer.disconnect().catch(() => {});
      this.nextAcquireMs = this.deps.now() + 1000;
      if (!this.stopped) this.deps.logger.warn('could not take the lease; retrying', { lease: this.name, error: errorMessage(e) });
    } finally {
      this.acquiring = false;
    }
  }

  fence(topic: string, records: FencedRecord[]): Promise<void> {
    return this.write(topic, records).then(() => undefined);
  }

  /** One transaction on the fencing producer; writes are serialised, so they commit in call order. */
  private write(topic: string, records: FencedRecord[]): Promise<RecordMetadata[]> {
    const run = async () => {
      await this.deps.ensureTopic(topic, { partitions: 1, compacted: true });
      const producer = this.producer;
      if (!this.isHeld() || !producer) throw new MlobsError(`lease ${this.name} is not held by this process`, { reason: 'lease_lost', retryable: false });
      const txn = await producer.transaction();
      try {
        const meta = await txn.send({ topic, messages: records.map((r) => ({ key: r.key, value: r.value })) });
        await txn.commit();
        return meta;
      } catch (e) {
        await txn.abort().catch(() => {});
        if (isFencedError(e)) {
          this.lose('fenced by a newer holder');
          throw new MlobsError(`lease ${this.name}: a newer holder fenced this process`, { reason: 'fenced', retryable: false, cause: e });
        }
        throw new MlobsError(`lease ${this.name}: fenced write to ${topic} failed: ${errorMessage(e)}`, { reason: 'kafka_unavailable', retryable: true, cause: e });
      }
    };
    const p = this.writes.then(run, run);
    this.writes = p.catch(() => {});
    return p;
  }

  /**
   * Writes a marker under the fencing producer, then reads the topic from its start until the marker:
   * every record before it was committed by an earlier holder (whose open transaction, if any, the
   * fencing aborted), so the state read is the whole state. Reads committed records only.
   */
  async readState(topic: string): Promise<Map<string, string>> {
    const meta = await this.write(topic, [{ key: MARKER_KEY, value: randomUUID() }]);
    const markerOffset = BigInt(meta[0]!.baseOffset ?? '0');
    const state = new Map<string, string>();
    const reader = this.deps.kafka.consumer({ groupId: `${this.topic}.reader.${randomUUID()}`, maxWaitTimeInMs: 200, retry: KAFKA_RETRY });
    let done!: () => void;
    const reached = new Promise<void>((r) => (done = r));
    try {
      await reader.connect();
      await reader.subscribe({ topic, fromBeginning: true });
      await reader.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            const key = m.key?.toString() ?? '';
            if (key !== MARKER_KEY) (m.value === null ? state.delete(key) : state.set(key, m.value.toString()));
            if (BigInt(m.offset) >= markerOffset) done();
          }
        },
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_r, reject) => {
        timer = setTimeout(() => reject(new MlobsError(`lease ${this.name}: reading ${topic} to its end took over ${READ_TIMEOUT_MS / 1000} s`, { reason: 'kafka_unavailable', retryable: true })), READ_TIMEOUT_MS);
      });
      await Promise.race([reached, timeout]).finally(() => clearTimeout(timer));
      return state;
    } finally {
      await reader.disconnect().catch(() => {});
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.lose('stopped');
    await this.writes;
    // Leaving the group lets another member take the lease at once instead of after the session timeout.
    await this.consumer?.disconnect().catch(() => {});
  }
}
