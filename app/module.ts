import type { Router } from 'express';
import type { Registry } from 'prom-client';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import type { Store } from '../storage/store.js';
import type { Migration } from '../storage/migrations.js';

/** What a feature module gets from the composition root. */
export interface ModuleContext {
  config: Config;
  store: Store;
  registry: Registry;
  logger: Logger;
  now: () => number;
}

/**
 * A feature (drift, cost, alerting, …) plugged into the stack: its tables, its HTTP routes and its
 * background jobs. Migration ids are namespaced per module (foundation 1-99, cost 100-199, drift 200-299, alerting 300-399).
 */
export interface StackModule {
  name: string;
  migrations?: Migration[];
  /** Routes mounted at the API root behind the same bearer auth as ingest. */
  router?: (ctx: ModuleContext) => Router;
  /** Starts background work; resolves to a function that stops it. */
  start?: (ctx: ModuleContext) => Promise<() => Promise<void>>;
}
