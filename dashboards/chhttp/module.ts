import type { ModuleContext, StackModule } from '../../app/module.js';
import { openReadOnlyEngine, type ReadOnlyEngine } from './engine.js';
import { bodyLimits } from '../../collector/http/body.js';
import { clickhouseHttpRouter } from './router.js';

const engines = new WeakMap<ModuleContext, Promise<ReadOnlyEngine | null>>();

// In embedded mode the data lives inside this process, so Grafana cannot reach it any other way;
// with a ClickHouse server, clients should query that server and the endpoint says so (501).
function engineOf(ctx: ModuleContext): Promise<ReadOnlyEngine | null> {
  let e = engines.get(ctx);
  if (!e) {
    e = ctx.store.mode === 'embedded' ? openReadOnlyEngine(ctx.config.storage.dataDir, ctx.store.database) : Promise.resolve(null);
    engines.set(ctx, e);
  }
  return e;
}

/** The read-only, ClickHouse-HTTP-compatible endpoint at /clickhouse, for Grafana, clickhouse-js and curl. */
export const clickhouseHttpModule: StackModule = {
  name: 'clickhouse-http',
  start: async (ctx) => {
    await engineOf(ctx);
    return async () => {
      (await engineOf(ctx))?.close();
    };
  },
  router: (ctx) => clickhouseHttpRouter(() => engineOf(ctx), ctx.store.database, bodyLimits(ctx.config.server)),
};
