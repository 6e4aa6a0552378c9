import type { Lease } from '../bus/bus.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { FleetContext, Job } from '../plugin/module.js';

export interface FleetJob {
  module: string;
  job: Job;
}

/**
 * Runs the fleet-wide jobs while this process holds the lease: starts them (in order) when it is
 * acquired and stops them (in reverse) when it is lost. Transitions are serialised, so a lease lost
 * while the jobs are still starting stops exactly the ones that started. A job that fails to start
 * (e.g. the state could not be read) stops the ones started before it and is tried again shortly, as
 * long as the lease is still held.
 */
export class FleetRunner {
  private running: { name: string; stop: () => Promise<void> }[] = [];
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  /** How many times the jobs were started here (readiness shows it). */
  starts = 0;

  constructor(
    private readonly lease: Lease,
    private readonly jobs: readonly FleetJob[],
    private readonly ctx: FleetContext,
    private readonly logger: Logger,
  ) {
    lease.onAcquired(() => this.enqueue(() => this.startAll()));
    lease.onLost(() => this.enqueue(() => this.stopAll()));
  }

  /** The jobs running now (empty on a standby). */
  get active(): string[] {
    return this.running.map((r) => r.name);
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(step, step);
  }

  private async startAll(): Promise<void> {
    if (this.stopped || this.running.length || !this.lease.isHeld()) return;
    for (const { module, job } of this.jobs) {
      if (!this.lease.isHeld()) break;
      try {
        const stop = await job.start(this.ctx);
        this.running.push({ name: `${module}/${job.name}`, stop });
      } catch (e) {
        this.logger.error('fleet job failed to start; retrying', { job: job.name, error: errorMessage(e) });
        await this.stopAll();
        this.retry = setTimeout(() => this.enqueue(() => this.startAll()), 1000);
        return;
      }
    }
    // Lost while starting: what started must stop again (the onLost step may have run before).
    if (!this.lease.isHeld()) return this.stopAll();
    this.starts++;
    this.logger.info('fleet jobs started', { lease: this.lease.name, jobs: this.active });
  }

  private async stopAll(): Promise<void> {
    if (this.retry) clearTimeout(this.retry);
    const running = this.running.splice(0).reverse();
    for (const r of running) {
      await r.stop().catch((e) => this.logger.error('fleet job failed to stop', { job: r.name, error: errorMessage(e) }));
    }
    if (running.length) this.logger.info('fleet jobs stopped', { lease: this.lease.name });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.enqueue(() => this.stopAll());
    await this.chain;
  }
}
