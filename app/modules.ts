import type { StackModule } from '../plugin/module.js';
import { costModule } from '../cost/module.js';
import { alertingModule } from '../alerting/module.js';
import { dashboardsModule } from '../dashboards/module.js';
import { driftModule } from '../drift/module.js';
import { queryModule } from '../query/module.js';
import { registryModule } from '../registry/module.js';

/** Every feature module the stack runs, in start order (they stop in the reverse order). */
export const MODULES = [queryModule, costModule, alertingModule, dashboardsModule, driftModule, registryModule] as const satisfies readonly StackModule<any, string>[];
