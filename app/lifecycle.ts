import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/log.js';

/**
 * What the stack started, in start order; `stop` undoes it in exactly the reverse order, each step
 * awaited, so input stops before the work it feeds, and storage closes last. A step that fails to
 * stop is logged and the rest still run.
 */
export class Lifecycle {
  private readonly steps: { name: string; stop: () => Promise<unknown> | unknown }[] = [];
  private stopping: Promise<void> | null = null;

  constructor(private readonly logger: Logger) {}

  /** Records what undoes the step just started. */
  add(name: string, stop: () => Promise<unknown> | unknown): void {
    this.steps.push({ name, stop });
  }

  /** The names of the steps, in the order they will stop. */
  stopOrder(): string[] {
    return this.steps.map((s) => s.name).reverse();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        try {
          await step.stop();
        } catch (e) {
          this.logger.warn('stopping failed', { step: step.name, error: errorMessage(e) });
        }
      }
    })();
    return this.stopping;
  }
}
