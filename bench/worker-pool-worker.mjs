// Plain-JS entry of a bench/worker-pool.ts worker: on Node 20 a worker does not inherit tsx's
// loader (neither from the parent nor from execArgv), so it loads the TypeScript itself.
import { tsImport } from 'tsx/esm/api';

await tsImport('./worker-pool-worker.ts', import.meta.url);
