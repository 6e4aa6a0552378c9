import { errorMessage } from '../core/errors.js';
import { bodyLimits } from '../http/body.js';
import { defineModule } from '../plugin/module.js';
import type { Store } from '../storage/store.js';
import { drift } from './cli/cli.js';
import { driftConfigSchema } from './config.js';
import { TMP_PREFIX } from './engine/collect.js';
import { driftRouter } from './http/router.js';
import { DRIFT_MIGRATIONS } from './migrations.js';
import { createDriftGauges } from './schedule/gauges.js';
import { startScheduler } from './schedule/scheduler.js';
import type { SignalSink } from './signals.js';

/**
 * The drift module: reference storage, reports, model quality, scheduled evaluation. Alerting
 * reads the scheduled results from `drift_results`; pass `signals` to also publish in-process.
 */
export function createDriftModule(opts: { signals?: SignalSink } = {}) {
  return defineModule({
    name: 'drift',
    configSchema: driftConfigSchema,
    migrations: DRIFT_MIGRATIONS,
    commands: [{ name: 'drift', summary: 'drift reports, references and model quality (mlobs drift --help)', run: (argv) => drift(argv) }],
    setup: (ctx) => ({
      routes: driftRouter({ store: ctx.store, config: ctx.moduleConfig, logger: ctx.logger, now: ctx.now, bodyLimits: bodyLimits(ctx.config.server) }),
      jobs: [
        {
          name: 'drift.schedule',
          scope: 'fleet',
          start: async () => {
            await dropLeftovers(ctx.store).catch((e) => ctx.logger.warn('could not drop leftover drift tables', { error: errorMessage(e) }));
            return startScheduler({ store: ctx.store, config: ctx.moduleConfig, logger: ctx.logger, now: ctx.now, gauges: createDriftGauges(ctx.registry), signals: opts.signals });
          },
        },
      ],
    }),
  });
}

/** Drops report tables left by a crash; an hour old at least, so another process's running report keeps its own. */
async function dropLeftovers(store: Store): Promise<void> {
  const rows = await store.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = {db:String} AND startsWith(name, {p:String}) AND metadata_modification_time < now() - INTERVAL 1 HOUR`,
    { db: store.database, p: TMP_PREFIX },
  );
  for (const r of rows) await store.command(`DROP TABLE IF EXISTS ${store.database}.${r.name}`);
}

export const driftModule = createDriftModule();
