import { defineModule } from '../plugin/module.js';
import { cost } from './cli.js';
import { costConfigSchema } from './config.js';
import { costRouter } from './router.js';
import { CostService } from './service.js';
import { COST_MIGRATIONS } from './migrations.js';

/** GPU cost: utilisation tables and views (migrations 100-199), prices synced at start, GET /v1/cost. */
export const costModule = defineModule({
  name: 'cost',
  configSchema: costConfigSchema,
  migrations: COST_MIGRATIONS,
  commands: [{ name: 'cost', summary: 'GPU-hours, cost and idle cost by team, namespace, pod, model, node or GPU model (mlobs cost --help)', run: (argv) => cost(argv) }],
  setup: (ctx) => {
    const service = new CostService(ctx.moduleConfig, { store: ctx.store, now: ctx.now });
    return {
      routes: costRouter(service, ctx.logger),
      jobs: [
        {
          name: 'cost.price-sync',
          scope: 'fleet',
          start: async () => {
            await service.syncPrices();
            return async () => {};
          },
        },
        {
          // Reports are right without it (an hour not sealed is integrated from its samples), only slower.
          name: 'cost.rollups',
          scope: 'fleet',
          start: async () => {
            let stopped = false;
            let timer: NodeJS.Timeout | undefined;
            let running: Promise<void> = Promise.resolve();
            const tick = () => {
              running = service
                // A bounded amount per tick, so that stopping never waits on a month of backlog.
                .sealRollups({ maxStatements: 4 })
                .then((n) => (n > 0 ? ctx.logger.info('cost rollups sealed', { hours: n }) : undefined))
                .catch((e: unknown) => ctx.logger.warn('cost rollups: sealing failed, will retry', { error: (e as Error).message }))
                .finally(() => {
                  if (!stopped) timer = setTimeout(tick, service.config.rollupEveryMs);
                });
            };
            timer = setTimeout(tick, 0);
            return async () => {
              stopped = true;
              clearTimeout(timer);
              await running;
            };
          },
        },
      ],
    };
  },
});
