import { bodyLimits } from '../http/body.js';
import { defineModule } from '../plugin/module.js';
import { openReadOnlyEngine } from './chhttp/engine.js';
import { clickhouseHttpRouter } from './chhttp/router.js';
import { dashboards } from './cli.js';

/**
 * Grafana dashboards as code (`mlobs dashboards build|push`), and the read-only, ClickHouse-HTTP-
 * compatible endpoint at /clickhouse for Grafana, clickhouse-js and curl.
 */
export const dashboardsModule = defineModule({
  name: 'dashboards',
  commands: [{ name: 'dashboards', summary: 'build Grafana dashboards and provisioning (mlobs dashboards build --out DIR), or push them to Grafana', run: (argv) => dashboards(argv) }],
  setup: async (ctx) => {
    // In embedded mode the data lives inside this process, so Grafana cannot reach it any other way;
    // with a ClickHouse server, clients should query that server and the endpoint says so (501).
    const engine = ctx.store.mode === 'embedded' ? await openReadOnlyEngine(ctx.config.storage.dataDir, ctx.store.database) : null;
    return {
      routes: clickhouseHttpRouter(async () => engine, ctx.store.database, bodyLimits(ctx.config.server)),
      close: async () => engine?.close(),
    };
  },
});
