import type { AddressInfo } from 'node:net';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { trace } from '@opentelemetry/api';
import type { Logger } from '../core/log.js';
import { createMetrics } from '../core/metrics.js';
import { BackpressureError } from '../core/errors.js';
import { oldestAcceptedMs } from '../core/retention.js';
import { EVENT_KIND_NAMES, topicOf, type EventKind } from '../core/schemas/kinds.js';
import type { Bus } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { ProducerTrust } from '../bus/trust.js';
import { KafkaBus } from '../bus/kafka-bus.js';
import { DeadLetterQueue } from '../bus/dead-letters.js';
import { openStore } from '../storage/clickhouse.js';
import { allMigrations } from './schema.js';
import { migrate } from '../storage/migrations.js';
import { lockDataDir } from '../storage/lock.js';
import type { Store } from '../storage/store.js';
import { createHttpApp, createHttpServer } from '../http/server.js';
import { bodyLimits } from '../http/body.js';
import type { Job, ModuleContext, StackModule } from '../plugin/module.js';
import { Sink } from '../sink/sink.js';
import { DcgmScraper } from '../collector/gpu/scraper.js';
import { KubernetesDiscovery, loadKubeConfig } from '../collector/kubernetes/discovery.js';
import { ingestRoutes } from '../collector/http/routes.js';
import { kserveRoutes } from '../collector/kserve/routes.js';
import { KserveJoiner } from '../collector/kserve/joiner.js';
import { otlpRoutes } from '../collector/otlp/routes.js';
import type { Config } from './config.js';
import { FleetRunner } from './fleet.js';
import { shardFilter } from '../collector/gpu/shard.js';
import type { Lease, LeaseOptions, Membership } from '../bus/bus.js';
import { Lifecycle } from './lifecycle.js';
import { MODULES } from './modules.js';

export interface Stack {
  url: string;
  port: number;
  /** The OTLP-only listener's port when `otlp.port` is set. */
  otlpPort?: number;
  /** Absent in a process whose roles need no storage (ingest, scrape). */
  store: Store;
  bus: Bus;
  roles: readonly string[];
  /** The `detect` lease (held by one process in the fleet); absent without the detect role. */
  lease?: Lease;
  registry: Registry;
  sinks: Sink[];
  /** The jobs this process runs, by module, in start order. */
  jobs: { module: string; name: string; scope: Job['scope'] }[];
  /** Resolves once every sink has committed everything published so far (or the timeout passed). */
  drain(timeoutMs?: number): Promise<boolean>;
  stop(): Promise<void>;
}

export interface StackDeps {
  logger: Logger;
  now?: () => number;
  /** Feature modules to run; defaults to all of them (app/modules.ts). */
  modules?: readonly StackModule<any, string>[];
  /** Wraps the opened store (bench/discard-stack.ts measures the path with inserts discarded). */
  wrapStore?: (store: Store) => Store;
}

/** The composition root: builds storage, bus, sinks, collectors, the feature modules and the HTTP edge from one validated config. */
export async function startStack(config: Config, deps: StackDeps): Promise<Stack> {
  const { logger } = deps;
  const now = deps.now ?? Date.now;
  const modules = deps.modules ?? MODULES;
  const roles = new Set(config.roles);
  const life = new Lifecycle(logger);
  try {
    // ingest validates with config alone and scrape only publishes: neither needs storage.
    const needsStore = roles.has('sink') || roles.has('detect');
    let store: Store | undefined;
    if (needsStore) {
      if (!config.storage.url) life.add('data dir lock', lockDataDir(config.storage.dataDir));
      const opened = await openStore({ ...config.storage, database: config.storage.database });
      life.add('storage', () => opened.close());
      store = deps.wrapStore ? deps.wrapStore(opened) : opened;
      // Idempotent DDL: every process with storage applies what is missing before it reads or writes.
      const applied = await migrate(store, config.storage.retentionDays, allMigrations(modules), { cluster: config.storage.cluster });
      if (applied.length) logger.info('applied migrations', { ids: applied });
    }

    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'mlobs_process_' });
    const metrics = createMetrics(registry);
    const tracer = trace.getTracer('mlobs');

    const bus: Bus = config.kafka.brokers.length
      ? new KafkaBus({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, numPartitions: config.kafka.numPartitions, publishTimeoutMs: config.kafka.publishTimeoutMs, dataClient: config.kafka.client, compression: config.kafka.compression, logger, now })
      : new MemoryBus({ maxBufferedMessages: config.bus.maxBufferedMessages, now });
    life.add('bus', () => bus.close());
    await bus.ensureTopics(EVENT_KIND_NAMES.map((k) => topicOf(k, config.kafka.topicPrefix)));
    const deadLetters = new DeadLetterQueue(bus, topicOf('dead_letter', config.kafka.topicPrefix), metrics);

    const oldest = (kind: EventKind) => oldestAcceptedMs(kind, config.storage.retentionDays, now());
    // Only the Kafka bus needs it: the in-process bus hands the validated event over itself.
    const trust = bus.kind === 'kafka' && config.kafka.trustedProducerKey ? new ProducerTrust(config.kafka.trustedProducerKey) : undefined;
    const sinks = (roles.has('sink') ? EVENT_KIND_NAMES : []).map(
      (kind) =>
        new Sink(
          { kind, topic: topicOf(kind, config.kafka.topicPrefix), groupId: `${config.kafka.groupId}.${kind}`, ...config.sink },
          { bus, store: store!, deadLetters, metrics, logger, tracer, now, oldestAcceptedMs: () => oldest(kind), trust },
        ),
    );
    for (const s of sinks) {
      await s.start();
      life.add(`sink ${s.opts.kind}`, () => s.stop());
    }
    const sinkOf = new Map(sinks.map((s) => [s.opts.kind, s]));
    metrics.setLagSource(() => Object.fromEntries(sinks.map((s) => [s.opts.kind, s.lag()])));
    const drain = async (timeoutMs = 30_000) => {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if (sinks.every((s) => s.lag() === 0)) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    };
    // Stops after every input is closed and before the sinks: the in-process bus empties into storage.
    if (bus.kind === 'memory') life.add('drain the in-process bus', () => drain(10_000));

    // Each module gets its own validated section and builds its routes and jobs once.
    const routes = [];
    const signedRoutes = [];
    const jobs: Stack['jobs'] = [];
    const started: { module: string; job: Job }[] = [];
    // The feature modules (their read APIs and jobs) are the detect role.
    for (const m of roles.has('detect') ? modules : []) {
      const ctx: ModuleContext = { config, moduleConfig: (config as Record<string, unknown>)[m.name], store: store!, registry, logger, now, deadLetters };
      const parts = (await m.setup?.(ctx)) ?? {};
      if (parts.close) life.add(`module ${m.name}`, parts.close);
      if (parts.routes) routes.push(parts.routes);
      if (parts.signedRoutes) signedRoutes.push(parts.signedRoutes);
      for (const job of parts.jobs ?? []) started.push({ module: m.name, job });
    }

    const leaseOpts: LeaseOptions = { sessionTimeoutMs: config.fleet.sessionTimeoutMs, heartbeatIntervalMs: config.fleet.heartbeatIntervalMs, marginMs: config.fleet.leaseMarginMs };
    let membership: Membership | undefined;
    if (roles.has('scrape')) {
      const k8s = config.collectors.dcgm.kubernetes;
      const discovery = k8s ? new KubernetesDiscovery(k8s, { kubeConfig: loadKubeConfig(), logger }) : undefined;
      if (discovery) {
        discovery.start();
        life.add('kubernetes discovery', () => discovery.stop());
      }
      // The scrapers of a fleet split the targets among the live members of their group (one member
      // on the in-process bus scrapes everything).
      const scrapes = config.collectors.dcgm.targets.length > 0 || discovery !== undefined;
      if (scrapes) membership = await bus.membership(`${config.kafka.topicPrefix}scrape`, leaseOpts);
      const scraper = new DcgmScraper({ ...config.collectors.dcgm, topicPrefix: config.kafka.topicPrefix }, { bus, deadLetters, metrics, logger, now, tracer, discovered: discovery, owns: membership && shardFilter(membership) });
      scraper.start();
      membership?.onChange(() => scraper.reshard());
      life.add('dcgm scraper', () => scraper.stop());
    }

    let lease: Lease | undefined;
    if (roles.has('detect')) {
      // KServe halves → predictions, from the engine's tables (see the joiner); it writes predictions,
      // so it is fleet-wide work (idempotent: a second runner would only repeat work, never predictions).
      const { joinWaitMs, joinIntervalMs, lookbackMs, modelVersions } = config.collectors.kserve;
      const kserveSink = sinkOf.get('kserve_event');
      const joiner = new KserveJoiner(
        { joinWaitMs, joinIntervalMs, lookbackMs, modelVersions },
        { store: store!, metrics, logger, now, sinkIdle: () => (kserveSink ? kserveSink.lag() === 0 : true), oldestPredictionMs: () => oldest('prediction') },
      );
      started.push({ module: 'collector', job: { name: 'kserve.join', scope: 'fleet', start: async () => (joiner.start(), () => joiner.stop()) } });

      for (const { module, job } of started.filter((j) => j.job.scope === 'process')) {
        const stop = await job.start();
        life.add(`job ${job.name}`, stop);
        jobs.push({ module, name: job.name, scope: job.scope });
      }
      // Fleet-wide jobs run on the one process holding the detect lease (always this one on the
      // in-process bus, where one process is the whole fleet).
      lease = await bus.lease(`${config.kafka.topicPrefix}detect`, leaseOpts);
      const fleetJobs = started.filter((j) => j.job.scope === 'fleet');
      const runner = new FleetRunner(lease, fleetJobs, { lease, durable: bus.kind === 'kafka', topic: (name) => `${config.kafka.topicPrefix}${name}` }, logger);
      life.add('fleet jobs', async () => {
        await runner.stop();
        await lease!.stop();
      });
      for (const { module, job } of fleetJobs) jobs.push({ module, name: job.name, scope: job.scope });
      const held = lease;
      new Gauge({ name: 'mlobs_fleet_leader', help: '1 while this process holds the detect lease and runs the fleet-wide jobs', registers: [registry], collect() { this.set(held.isHeld() ? 1 : 0); } });
      if (bus.kind === 'memory') await waitFor(() => runner.active.length === fleetJobs.length || fleetJobs.length === 0);
    }

    // With a durable bus, ingest keeps accepting while storage is down until the backlog passes the
    // same bound the in-process bus has; the in-process bus enforces its bound on publish.
    const backpressure = (kind: EventKind): BackpressureError | null => {
      const s = sinkOf.get(kind);
      // Without the sink role here, Kafka is the buffer and the sinks elsewhere report their own health.
      if (!s) return null;
      if (s.degraded && s.lag() >= config.bus.maxBufferedMessages) {
        return new BackpressureError(`storage is unavailable and ${s.lag()} ${kind} events are waiting`, 5000);
      }
      return null;
    };
    const readiness = async () => {
      const problems: string[] = [];
      if (store && !(await store.ping())) problems.push('storage unreachable');
      for (const s of sinks) if (s.degraded) problems.push(`sink ${s.opts.kind} failing to insert`);
      const health = bus.health();
      if (!health.up) problems.push(`bus ${health.detail ?? `${bus.kind} down`}`);
      if (roles.has('scrape') && membership && !membership.members().includes(membership.self() ?? '')) problems.push('scrape: not yet a member of the scraper group');
      return problems;
    };
    // Per role, for /readyz: what each role of this process is doing (a detect standby is ready).
    const readinessDetail = () => ({
      roles: Object.fromEntries(
        [...roles].map((r) => [
          r,
          r === 'detect'
            ? { leader: lease?.isHeld() ?? false }
            : r === 'scrape'
              ? { members: membership?.members().length ?? 0, self: membership?.self() ?? null }
              : r === 'sink'
                ? { sinks: sinks.length, degraded: sinks.filter((s) => s.degraded).map((s) => s.opts.kind) }
                : {},
        ]),
      ),
    });
    const ingestDeps = { bus, deadLetters, metrics, logger, now, backpressure, oldestAcceptedMs: oldest, topicPrefix: config.kafka.topicPrefix, bodyLimits: bodyLimits(config.server), trust };
    const ingest = ingestRoutes(ingestDeps);
    const otlp = otlpRoutes({ ...ingestDeps, otlp: config.otlp });
    const kserve = kserveRoutes({ ...ingestDeps, answerWithinMs: config.collectors.kserve.answerWithinMs });
    const app = createHttpApp({ authToken: config.server.authToken, registry, readiness, readinessDetail, routes: [...(roles.has('ingest') ? [ingest, otlp, kserve] : []), ...routes], signedRoutes });
    const listen = async (name: string, port: number, listener: Parameters<typeof createHttpServer>[1]) => {
      const server = createHttpServer(config.server, listener);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, config.server.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      // Stops first: no new input while the rest winds down.
      life.add(name, () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
      return (server.address() as AddressInfo).port;
    };
    // OTLP's own port (4318 by convention) only when configured: the ingest role alone serves it there.
    const otlpPort = config.otlp.port > 0 && roles.has('ingest') ? await listen('otlp server', config.otlp.port, createHttpApp({ authToken: config.server.authToken, registry, readiness, routes: [otlp] })) : undefined;
    const port = await listen('http server', config.server.port, app);
    const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
    const url = `http://${host}:${port}`;
    logger.info('mlobs is up', { url, ...(otlpPort ? { otlp: `http://${host}:${otlpPort}` } : {}), storage: !store ? 'none' : store.mode === 'embedded' ? `embedded (${config.storage.dataDir})` : config.storage.url, bus: bus.kind, roles: [...roles] });

    return { url, port, otlpPort, store: store!, bus, roles: [...roles], lease, registry, sinks, jobs, drain, stop: () => life.stop() };
  } catch (e) {
    await life.stop();
    throw e;
  }
}


async function waitFor(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond() && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
}
