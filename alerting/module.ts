import { ConfigError } from '../core/errors.js';
import { defineModule } from '../plugin/module.js';
import { alertingRouter } from './api.js';
import { ALERTING_COMMANDS } from './cli.js';
import { alertingConfigSchema, crossCheck } from './config.js';
import { AlertingEngine } from './engine.js';
import { ALERTING_MIGRATIONS } from './migrations.js';
import type { MemorySignals } from './signals.js';

/**
 * Builds the alerting module. Pass `signals` (a MemorySignals that drift/ also holds and publishes
 * to) to feed drift signals in-process; without it the drift rule reads the drift_results table only.
 */
export function createAlertingModule(deps: { signals?: MemorySignals } = {}) {
  return defineModule({
    name: 'alerting',
    configSchema: alertingConfigSchema,
    migrations: ALERTING_MIGRATIONS,
    commands: ALERTING_COMMANDS,
    async setup(ctx) {
      const cfg = ctx.moduleConfig;
      if (!cfg.enabled) return { routes: alertingRouter(() => undefined, ctx.now) };
      const problems = crossCheck(cfg, ctx.config.pipelines);
      if (problems.length) throw new ConfigError(`invalid alerting config:\n  ${problems.join('\n  ')}`);
      const host = ctx.config.server.host.includes(':') ? `[${ctx.config.server.host}]` : ctx.config.server.host;
      const externalUrl = cfg.externalUrl ?? `http://${host}:${ctx.config.server.port}`;
      const engine = new AlertingEngine(cfg, { store: ctx.store, registry: ctx.registry, logger: ctx.logger, now: ctx.now, pipelines: ctx.config.pipelines, signals: deps.signals, externalUrl });
      // Loading the lifecycle state is a read: every process can answer GET /v1/alerts.
      await engine.init();
      return {
        routes: alertingRouter(() => engine, ctx.now),
        jobs: [
          {
            name: 'alerting.evaluate-and-deliver',
            scope: 'fleet',
            // Under the detect lease: the state the previous leader wrote is read to its end first.
            start: async (fleet) => {
              if (fleet) await engine.takeOver(fleet);
              engine.start();
              return () => engine.stop();
            },
          },
        ],
      };
    },
  });
}

/** SLOs, rules, lifecycle, routing and delivery of alerts; see alerting/README.md. */
export const alertingModule = createAlertingModule();
