// A worker of bench/worker-pool.ts: turns each request body it is sent (an ArrayBuffer, transferred,
// not copied) into insert text with bench/worker-path.ts, and reports its garbage collection.
import { parentPort, workerData } from 'node:worker_threads';
import { PerformanceObserver } from 'node:perf_hooks';
import { BUILDERS, type Builder } from './worker-path.js';

const build = BUILDERS[(workerData as { builder: Builder }).builder];
let gcCount = 0;
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcCount++;
    gcMs += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

parentPort!.on('message', (m: { id: number; buf: ArrayBuffer; receivedAtMs: number; oldestMs: number } | 'gc') => {
  if (m === 'gc') {
    // Observer entries are delivered asynchronously: report on the next turn so the last ones count.
    setImmediate(() => parentPort!.postMessage({ gcCount, gcMs }));
    return;
  }
  const r = build(Buffer.from(m.buf), m.receivedAtMs, m.oldestMs);
  parentPort!.postMessage({ id: m.id, ...r });
});
