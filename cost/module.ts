import type { StackModule } from '../app/module.js';
import { costRouter } from './router.js';
import { CostService } from './service.js';
import { COST_MIGRATIONS } from './sql.js';

/** GPU cost: utilisation tables and views (migrations 100-199), prices synced at start, GET /v1/cost. */
export const costModule: StackModule = {
  name: 'cost',
  migrations: COST_MIGRATIONS,
  start: async (ctx) => {
    await new CostService(ctx.config.cost, { store: ctx.store, now: ctx.now }).syncPrices();
    return async () => {};
  },
  router: (ctx) => costRouter(new CostService(ctx.config.cost, { store: ctx.store, now: ctx.now }), ctx.logger),
};
