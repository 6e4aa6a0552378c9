import type { BaseConfig } from '../core/config.js';
import type { StackModule } from '../plugin/module.js';
import { MIGRATIONS, planSchema, type Migration, type MigrateOptions } from '../storage/migrations.js';
import { MODULES } from './modules.js';

/** Every migration the stack applies: the foundation's, then each module's. */
export function allMigrations(modules: readonly StackModule<any, string>[] = MODULES): Migration[] {
  return [...MIGRATIONS, ...modules.flatMap((m) => m.migrations ?? [])];
}

/**
 * The whole schema as SQL text, exactly as migrate() would run it (`mlobs schema`): for a DBA to
 * review before a first start against a cluster, and the golden file that proves the cluster DDL.
 */
export function schemaSql(db: string, retention: BaseConfig['storage']['retentionDays'], opts: MigrateOptions = {}, modules?: readonly StackModule<any, string>[]): string {
  const plan = planSchema(db, retention, allMigrations(modules), opts);
  const parts = [`-- migration record\n${plan.record.map((s) => `${s};`).join('\n\n')}`];
  for (const m of plan.migrations) parts.push(`-- migration ${m.id}: ${m.name}\n${m.statements.map((s) => `${s};`).join('\n\n')}`);
  return `${parts.join('\n\n')}\n`;
}
