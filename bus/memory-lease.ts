import { MlobsError } from '../core/errors.js';
import type { FencedRecord, Lease, Membership } from './bus.js';

/**
 * The lease of a process that is the whole fleet (the in-process bus): held from the start until
 * stopped, with its "fenced" state in memory, since nothing outlives the process that could read it.
 */
export class LocalLease implements Lease {
  private held = true;
  private readonly state = new Map<string, Map<string, string>>();
  private readonly lost: ((reason: string) => void)[] = [];
  constructor(readonly name: string) {}

  isHeld(): boolean {
    return this.held;
  }

  onAcquired(fn: () => void): void {
    if (this.held) queueMicrotask(fn);
  }

  onLost(fn: (reason: string) => void): void {
    this.lost.push(fn);
  }

  async fence(topic: string, records: FencedRecord[]): Promise<void> {
    if (!this.held) throw new MlobsError(`lease ${this.name} is not held`, { reason: 'lease_lost', retryable: false });
    const m = this.state.get(topic) ?? new Map<string, string>();
    this.state.set(topic, m);
    for (const r of records) (r.value === null ? m.delete(r.key) : m.set(r.key, r.value));
  }

  async readState(topic: string): Promise<Map<string, string>> {
    return new Map(this.state.get(topic));
  }

  async stop(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    for (const fn of this.lost) fn('stopped');
  }
}

/** The only member of a one-process fleet. */
export class LocalMembership implements Membership {
  self(): string {
    return 'local';
  }
  members(): readonly string[] {
    return ['local'];
  }
  onChange(): void {}
  async stop(): Promise<void> {}
}
