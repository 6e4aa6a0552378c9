// `mlobs up` whose sinks discard the rows of BENCH_DISCARD_TABLE (default predictions) instead of
// inserting them: everything else (HTTP, validation, bus, decode, row building) runs as usual. Started
// by bench/ingest.ts to measure the ceiling of the path without the engine's insert.
import { register } from 'tsx/esm/api';
import { configFromArgs, stopOnSignals } from '../cli/up.js';
import { createLogger } from '../core/log.js';
import { startStack } from '../app/stack.js';
import type { Store } from '../storage/store.js';

register();
const table = process.env.BENCH_DISCARD_TABLE ?? 'predictions';
const { config } = configFromArgs(process.argv.slice(2), process.env);
const logger = createLogger({ level: 'warn' });
const stack = await startStack(config, {
  logger,
  wrapStore: (inner: Store) => {
    const store: Store = Object.create(inner);
    store.insert = async (t, rows, opts) => (t === table ? undefined : inner.insert(t, rows, opts));
    return store;
  },
});
console.log(`mlobs listening on ${stack.url} (discarding inserts into ${table})`);
stopOnSignals(stack, logger);
