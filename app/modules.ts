import type { StackModule } from './module.js';
import { costModule } from '../cost/module.js';
import { alertingModule } from '../alerting/module.js';
import { clickhouseHttpModule } from '../dashboards/chhttp/module.js';
import { driftModule } from '../drift/module.js';

/** Every feature module the stack runs, in start order. */
export const MODULES: StackModule[] = [costModule, alertingModule, clickhouseHttpModule, driftModule];
