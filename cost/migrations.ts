import type { Migration } from '../storage/migrations.js';
import { ROLLUP_MIGRATION } from './rollup.js';
import { SAMPLE_MIGRATIONS } from './sql.js';

/** The cost module's schema: ids 100-199 (110-119 pod labels, 120 rollups); every statement can be re-run. */
export const COST_MIGRATIONS: Migration[] = [...SAMPLE_MIGRATIONS, ROLLUP_MIGRATION];
