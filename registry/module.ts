import { Counter } from 'prom-client';
import { bodyLimits } from '../http/body.js';
import { defineModule } from '../plugin/module.js';
import { registryConfigSchema } from './config.js';
import { REGISTRY_MIGRATIONS } from './migrations.js';
import { mlflowRoutes } from './routes.js';

/**
 * The model-registry module: receives MLflow's registry webhooks (new versions, aliases moved) and
 * keeps them in `registry_events` (core/contracts/registry-events.ts), which the drift module reads
 * for `reference: {type: alias}` and the model dashboards for their new-version annotation.
 */
export const registryModule = defineModule({
  name: 'registry',
  configSchema: registryConfigSchema,
  migrations: REGISTRY_MIGRATIONS,
  setup: (ctx) => {
    const mlflow = ctx.moduleConfig.mlflow;
    if (!mlflow) return {};
    const deliveries = new Counter({
      name: 'mlobs_registry_webhooks_total',
      help: 'Model-registry webhook deliveries by event and outcome (stored, duplicate, ignored, rejected)',
      labelNames: ['event', 'outcome'] as const,
      registers: [ctx.registry],
    });
    return { signedRoutes: mlflowRoutes({ store: ctx.store, config: mlflow, logger: ctx.logger, now: ctx.now, bodyLimits: bodyLimits(ctx.config.server), deliveries, deadLetters: ctx.deadLetters }) };
  },
});
