import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import type { LeaseOptions, Membership } from './bus.js';
import { KAFKA_RETRY, retrying } from './kafka-publisher.js';

export interface KafkaMembershipDeps {
  kafka: Kafka;
  logger: Logger;
  ensureTopic(topic: string, opts: { partitions: number; compacted: boolean }): Promise<void>;
}

/**
 * The live members of a consumer group on a one-partition topic: the broker's own view of who is
 * alive (a member gone past its session is removed, a new one triggers a rebalance). After every join
 * the member list is read from the group's description once the group is stable again, so every
 * member ends up with the same list.
 */
export class KafkaMembership implements Membership {
  private consumer: Consumer | null = null;
  private memberId: string | null = null;
  private list: string[] = [];
  private joins = 0;
  private stopped = false;
  private readonly changed: (() => void)[] = [];
  private readonly topic: string;

  constructor(
    readonly name: string,
    private readonly opts: LeaseOptions,
    private readonly deps: KafkaMembershipDeps,
  ) {
    this.topic = `${name}.members`;
  }

  async start(): Promise<void> {
    await this.deps.ensureTopic(this.topic, { partitions: 1, compacted: false });
    const c = this.deps.kafka.consumer({
      groupId: this.topic,
      sessionTimeout: this.opts.sessionTimeoutMs,
      rebalanceTimeout: this.opts.sessionTimeoutMs,
      heartbeatInterval: this.opts.heartbeatIntervalMs,
      maxWaitTimeInMs: Math.min(500, this.opts.heartbeatIntervalMs),
      retry: KAFKA_RETRY,
    });
    this.consumer = c;
    c.on(c.events.GROUP_JOIN, ({ payload }) => {
      this.memberId = payload.memberId;
      void this.refresh(++this.joins);
    });
    c.on(c.events.CRASH, ({ payload }) => {
      if (!payload.restart && !this.stopped) setTimeout(() => void this.run().catch((e) => this.deps.logger.warn('membership consumer cannot restart', { group: this.name, error: errorMessage(e) })), 1000);
    });
    await retrying(() => this.run(), () => this.consumer!.disconnect());
  }

  private async run(): Promise<void> {
    const c = this.consumer!;
    await c.connect();
    await c.subscribe({ topic: this.topic, fromBeginning: false });
    await c.run({ autoCommit: false, eachBatch: async () => {} });
  }

  /** Reads the members once the group is Stable; a newer join supersedes this read. */
  private async refresh(join: number): Promise<void> {
    for (let attempt = 0; join === this.joins && !this.stopped; attempt++) {
      try {
        const g = await this.consumer!.describeGroup();
        if (g.state === 'Stable') {
          if (join !== this.joins) return;
          const next = g.members.map((m) => m.memberId).sort();
          if (next.join() !== this.list.join()) this.deps.logger.info('group members', { group: this.name, members: next.length, self: this.memberId });
          const differs = next.join() !== this.list.join();
          this.list = next;
          if (differs) for (const fn of this.changed) fn();
          return;
        }
      } catch (e) {
        if (attempt % 10 === 0) this.deps.logger.warn('cannot describe group', { group: this.name, error: errorMessage(e) });
      }
      await new Promise((r) => setTimeout(r, Math.min(1000, 100 * (attempt + 1))));
    }
  }

  self(): string | null {
    return this.memberId;
  }

  members(): readonly string[] {
    return this.list;
  }

  onChange(fn: () => void): void {
    this.changed.push(fn);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer?.disconnect().catch(() => {});
  }
}
