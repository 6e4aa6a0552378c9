import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { trace } from '@opentelemetry/api';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import { createMetrics } from '../core/metrics.js';
import { BackpressureError } from '../core/errors.js';
import { oldestAcceptedMs } from '../core/retention.js';
import { EVENT_KIND_NAMES, topicOf, type EventKind } from '../core/schemas/kinds.js';
import type { Bus } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { KafkaBus } from '../bus/kafka-bus.js';
import { DeadLetterQueue } from '../bus/dead-letters.js';
import { openStore } from '../storage/clickhouse.js';
import { migrate } from '../storage/migrations.js';
import { lockDataDir } from '../storage/lock.js';
import type { Store } from '../storage/store.js';
import { Sink } from '../sink/sink.js';
import { DcgmScraper } from '../collector/gpu/scraper.js';
import { createApi } from '../api/server.js';
import { MODULES } from './modules.js';
import type { ModuleContext, StackModule } from './module.js';
import { MIGRATIONS } from '../storage/migrations.js';

export interface Stack {
  url: string;
  port: number;
  store: Store;
  bus: Bus;
  registry: Registry;
  sinks: Sink[];
  /** Resolves once every sink has committed everything published so far (or the timeout passed). */
  drain(timeoutMs?: number): Promise<boolean>;
  stop(): Promise<void>;
}

export interface StackDeps {
  logger: Logger;
  now?: () => number;
  /** Feature modules to run; defaults to all of them. */
  modules?: StackModule[];
}

/** The composition root: builds storage, bus, sinks, collectors and the API from one validated config. */
export async function startStack(config: Config, deps: StackDeps): Promise<Stack> {
  const { logger } = deps;
  const now = deps.now ?? Date.now;
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  const undo = async () => {
    for (const f of cleanup.reverse()) await Promise.resolve().then(f).catch(() => {});
  };
  try {
    if (!config.storage.url) cleanup.push(lockDataDir(config.storage.dataDir));
    const store = await openStore({ ...config.storage, database: config.storage.database });
    cleanup.push(() => store.close());
    const modules = deps.modules ?? MODULES;
    const applied = await migrate(store, config.storage.retentionDays, [...MIGRATIONS, ...modules.flatMap((m) => m.migrations ?? [])]);
    if (applied.length) logger.info('applied migrations', { ids: applied });

    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'mlobs_process_' });
    const metrics = createMetrics(registry);
    const tracer = trace.getTracer('mlobs');

    const bus: Bus = config.kafka.brokers.length
      ? new KafkaBus({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, numPartitions: config.kafka.numPartitions, publishTimeoutMs: config.kafka.publishTimeoutMs, logger, now })
      : new MemoryBus({ maxBufferedMessages: config.bus.maxBufferedMessages, now });
    cleanup.push(() => bus.close());
    const topics = EVENT_KIND_NAMES.map((k) => topicOf(k, config.kafka.topicPrefix));
    await bus.ensureTopics(topics);
    const deadLetters = new DeadLetterQueue(bus, topicOf('dead_letter', config.kafka.topicPrefix), metrics);

    const oldest = (kind: EventKind) => oldestAcceptedMs(kind, config.storage.retentionDays, now());
    const sinks = EVENT_KIND_NAMES.map(
      (kind) =>
        new Sink(
          { kind, topic: topicOf(kind, config.kafka.topicPrefix), groupId: `${config.kafka.groupId}.${kind}`, ...config.sink },
          { bus, store, deadLetters, metrics, logger, tracer, now, oldestAcceptedMs: () => oldest(kind) },
        ),
    );
    for (const s of sinks) {
      await s.start();
      cleanup.push(() => s.stop());
    }
    const sinkOf = new Map(sinks.map((s) => [s.opts.kind, s]));
    metrics.setLagSource(() => Object.fromEntries(sinks.map((s) => [s.opts.kind, s.lag()])));

    const scraper = new DcgmScraper({ ...config.collectors.dcgm, topicPrefix: config.kafka.topicPrefix }, { bus, metrics, logger, now, tracer });
    scraper.start();
    cleanup.push(() => scraper.stop());

    // With a durable bus, ingest keeps accepting while storage is down until the backlog passes the
    // same bound the in-process bus has; the in-process bus enforces its bound on publish.
    const backpressure = (kind: EventKind): BackpressureError | null => {
      const s = sinkOf.get(kind)!;
      if (s.degraded && s.lag() >= config.bus.maxBufferedMessages) {
        return new BackpressureError(`storage is unavailable and ${s.lag()} ${kind} events are waiting`, 5000);
      }
      return null;
    };
    const readiness = async () => {
      const problems: string[] = [];
      if (!(await store.ping())) problems.push('storage unreachable');
      for (const s of sinks) if (s.degraded) problems.push(`sink ${s.opts.kind} failing to insert`);
      const health = bus.health();
      if (!health.up) problems.push(`bus ${health.detail ?? `${bus.kind} down`}`);
      return problems;
    };

    const ctx: ModuleContext = { config, store, registry, logger, now };
    for (const m of modules) {
      if (m.start) cleanup.push(await m.start(ctx));
    }
    const routers = modules.flatMap((m) => (m.router ? [m.router(ctx)] : []));
    const app = createApi({ config, store, bus, deadLetters, registry, metrics, logger, now, backpressure, readiness, routers, oldestAcceptedMs: oldest });
    const server: Server = await new Promise((resolve, reject) => {
      const srv = app.listen(config.server.port, config.server.host, () => resolve(srv));
      srv.once('error', reject);
    });
    server.keepAliveTimeout = 65_000;
    cleanup.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
    const port = (server.address() as AddressInfo).port;
    const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
    const url = `http://${host}:${port}`;
    logger.info('mlobs is up', { url, storage: store.mode === 'embedded' ? `embedded (${config.storage.dataDir})` : config.storage.url, bus: bus.kind });

    const drain = async (timeoutMs = 30_000) => {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if (sinks.every((s) => s.lag() === 0)) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    };
    let stopped = false;
    return {
      url,
      port,
      store,
      bus,
      registry,
      sinks,
      drain,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        // Stop taking input first, then let the in-process bus empty into storage before closing.
        await cleanup.pop()!();
        await scraper.stop();
        if (bus.kind === 'memory') await drain(10_000);
        await undo();
      },
    };
  } catch (e) {
    await undo();
    throw e;
  }
}
