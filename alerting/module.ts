import type { ModuleContext, StackModule } from '../app/module.js';
import { ConfigError } from '../core/errors.js';
import { alertingRouter } from './api.js';
import { crossCheck } from './config.js';
import { AlertingEngine } from './engine.js';
import { ALERTING_MIGRATIONS } from './migrations.js';
import type { MemorySignals } from './signals.js';

/**
 * Builds the alerting module. Pass `signals` (a MemorySignals that drift/ also holds and publishes
 * to) to feed drift signals in-process; without it the drift rule reads the drift_results table only.
 */
export function createAlertingModule(deps: { signals?: MemorySignals } = {}): StackModule {
  // router(ctx) is called after start(ctx) with the same context object.
  const engines = new WeakMap<ModuleContext, AlertingEngine>();
  return {
    name: 'alerting',
    migrations: ALERTING_MIGRATIONS,
    async start(ctx) {
      const cfg = ctx.config.alerting;
      if (!cfg.enabled) return async () => {};
      const problems = crossCheck(cfg, ctx.config.pipelines);
      if (problems.length) throw new ConfigError(`invalid alerting config:\n  ${problems.join('\n  ')}`);
      const host = ctx.config.server.host.includes(':') ? `[${ctx.config.server.host}]` : ctx.config.server.host;
      const externalUrl = cfg.externalUrl ?? `http://${host}:${ctx.config.server.port}`;
      const engine = new AlertingEngine(cfg, { store: ctx.store, registry: ctx.registry, logger: ctx.logger, now: ctx.now, pipelines: ctx.config.pipelines, signals: deps.signals, externalUrl });
      await engine.init();
      engine.start();
      engines.set(ctx, engine);
      return () => engine.stop();
    },
    router: (ctx) => alertingRouter(() => engines.get(ctx), ctx.now),
  };
}

/** SLOs, rules, lifecycle, routing and delivery of alerts; see alerting/README.md. */
export const alertingModule: StackModule = createAlertingModule();
