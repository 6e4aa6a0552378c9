import type { StackModule } from './module.js';

/** Every feature module the stack runs, in start order. */
export const MODULES: StackModule[] = [];
