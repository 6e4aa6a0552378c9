// A worker of bench/worker-pool.ts: turns each request body it is sent (an ArrayBuffer, transferred,
// not copied) into insert text with bench/worker-path.ts, and reports its garbage collection.
import { parentPort, workerData } from 'node:worker_threads';
import { BUILDERS, gcTally, type Builder } from './worker-path.js';

const build = BUILDERS[(workerData as { builder: Builder }).builder];
const gc = gcTally();

parentPort!.on('message', (m: { id: number; buf: ArrayBuffer; receivedAtMs: number; oldestMs: number } | 'gc') => {
  if (m === 'gc') {
    // Observer entries are delivered asynchronously: report on the next turn so the last ones count.
    setImmediate(() => parentPort!.postMessage({ gcCount: gc.gcCount, gcMs: gc.gcMs }));
    return;
  }
  const r = build(Buffer.from(m.buf), m.receivedAtMs, m.oldestMs);
  parentPort!.postMessage({ id: m.id, ...r });
});
