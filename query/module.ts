import { defineModule } from '../plugin/module.js';
import { sql } from './cli.js';
import { queryRoutes } from './routes.js';

/** Read-only SQL over the stack's tables: POST /v1/sql and `mlobs sql`. */
export const queryModule = defineModule({
  name: 'query',
  commands: [{ name: 'sql', summary: 'run a read-only SQL query against a running stack', run: (argv) => sql(argv) }],
  setup: (ctx) => ({ routes: queryRoutes({ store: ctx.store, logger: ctx.logger }) }),
});
