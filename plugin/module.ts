import type { Router } from 'express';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import type { BaseConfig } from '../core/config.js';
import type { Logger } from '../core/log.js';
import type { Store } from '../storage/store.js';
import type { Migration } from '../storage/migrations.js';
import type { Lease } from '../bus/bus.js';
import type { DeadLetter } from '../bus/dead-letters.js';

/** What a feature module gets from the composition root: the stack's settings, its own validated section, and the shared services. */
export interface ModuleContext<C = unknown> {
  config: BaseConfig;
  /** This module's section of the config (under `configKey`), validated by its `configSchema`. */
  moduleConfig: C;
  store: Store;
  registry: Registry;
  logger: Logger;
  now: () => number;
  /** The stack's dead-letter queue: refused input kept like every receiver's (bus, sink, table, counter). */
  deadLetters: { keep(items: DeadLetter[]): Promise<void> };
}

/**
 * What a `fleet` job gets when it starts: the lease it runs under. State that must survive a change
 * of leader is written with `lease.fence()` (which fails once a newer leader took over) and read back
 * with `lease.readState()` by the next leader before it acts.
 */
export interface FleetContext {
  lease: Lease;
  /** True when fenced state outlives this process (Kafka): a new leader must read it before acting. */
  durable: boolean;
  /** The topic name for a piece of fleet state (the stack's topic prefix applied). */
  topic(name: string): string;
}

/**
 * Background work. `fleet` jobs must run once in the whole fleet (alert evaluation and delivery,
 * scheduled drift, price sync): they run on the process holding the `detect` lease, are stopped when
 * it is lost and started again on the next holder. `process` jobs run in every process that has the module.
 */
export interface Job {
  name: string;
  scope: 'fleet' | 'process';
  /** Starts the work (a fleet job gets its FleetContext); resolves to the function that stops it. */
  start(fleet?: FleetContext): Promise<() => Promise<void>>;
}

/** What a command gets: the config file loaded and validated as the stack would, its own section apart. */
export interface CommandContext<C = unknown> {
  loadConfig(file?: string): { config: BaseConfig; moduleConfig: C };
  env: NodeJS.ProcessEnv;
}

/** A `mlobs NAME …` subcommand. */
export interface Command<C = unknown> {
  name: string;
  /** One line for `mlobs --help`. */
  summary: string;
  run(argv: string[], ctx: CommandContext<C>): Promise<void>;
}

/** What a module's setup builds once: its routes and jobs share the services made there. */
export interface ModuleParts {
  /** Routes mounted at the API root, behind the same bearer auth as ingest. */
  routes?: Router;
  /**
   * Routes that authenticate every request themselves (a webhook verified by its signature), for
   * senders that cannot present the stack's bearer token; mounted ahead of the bearer auth.
   */
  signedRoutes?: Router;
  jobs?: Job[];
  /** Releases what setup opened, after every job stopped. */
  close?: () => Promise<void>;
}

/**
 * A feature plugged into the stack: its config section, tables, commands, routes and jobs. The
 * composition root assembles the config schema, the migrations, the router and the CLI from the
 * module list (app/modules.ts). Migration ids are namespaced per module (foundation 1-99, cost
 * 100-199, drift 200-299, alerting 300-399, registry 400-499). The module's config section is `config[name]`.
 */
export interface StackModule<S extends z.ZodType = z.ZodType, N extends string = string> {
  /** Its name, which is also the key of its config section. */
  name: N;
  configSchema?: S;
  migrations?: Migration[];
  commands?: Command<z.infer<S>>[];
  setup?: (ctx: ModuleContext<z.infer<S>>) => Promise<ModuleParts> | ModuleParts;
}

/** Declares a module, typing its context by its config schema and its section key by its name. */
export function defineModule<const N extends string, S extends z.ZodType = z.ZodNever>(m: StackModule<S, N>): StackModule<S, N> {
  return m;
}
