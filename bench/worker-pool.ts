// npm run bench:worker-pool — does a worker_threads pool (or fewer allocations) speed up the embedded
// ingest path's pure-JS work on this machine? The bench:ingest events (20 numeric features, NDJSON
// bodies of 1000) go from body to insert text (split, JSON parse, validation, row building,
// JSONCompactEachRow; bench/worker-path.ts composes the product's own functions):
//   (a) on the main thread, as the product does;
//   (b) in a pool of 1 or 2 worker_threads (body transferred as an ArrayBuffer, insert text returned);
//   (c) either one with the real embedded engine inserting on the main thread (20,000 rows per insert,
//       one insert in flight while the next text is built, as the sink overlaps the edge's parsing).
// Each variant also with two allocation trials (insert text with fewer intermediate objects).
// Then (d), unless BENCH_STACK=0: the real stack (`mlobs up`, HTTP → in-process bus → embedded engine)
// under the same load with V8's default young generation and with --max-semi-space-size=64,
// alternating: the stack's CPU per event and its garbage collections (counted from --trace-gc).
// Modes alternate within each round (BENCH_ROUNDS, default 3). Printed: events per wall-second, per
// CPU-second of the whole process (workers and engine threads included: what a shared machine
// distorts least), main-thread event-loop utilisation, GC per 100k events (main + workers), load average.
// Figures go to the notes of bench/RESULTS.md by hand (no section of its own).
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { openStore } from '../storage/clickhouse.js';
import { migrate } from '../storage/migrations.js';
import { validateConfig } from '../app/config.js';
import { eventLines } from './kafka-clients.js';
import { postAll } from './load.js';
import { freePort, spawnMlobs, waitReady } from '../test/helpers/process.js';
import { median } from './results.js';
import { BUILDERS, gcTally, type BodyResult, type Builder } from './worker-path.js';

const N = Number(process.env.BENCH_EVENTS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = 1000;
const BLOCK = 20_000; // rows per insert: sink.batchMaxRows
const IN_FLIGHT_PER_WORKER = 4;
const oldestMs = Date.now() - 90 * 86_400_000;

/** Fresh bodies for one run (a transferred ArrayBuffer is detached, so runs cannot share them). */
function bodies(tag: string): Buffer[] {
  const lines = eventLines(N, tag);
  const out: Buffer[] = [];
  for (let i = 0; i < N; i += BATCH) {
    const s = lines.slice(i, i + BATCH).join('\n');
    // Own ArrayBuffer per body (not Node's shared pool), so it can be transferred whole.
    const b = Buffer.from(new ArrayBuffer(Buffer.byteLength(s)));
    b.write(s);
    out.push(b);
  }
  return out;
}

// ---- main-thread GC, observed for the whole run
const gc = gcTally();
const settle = () => new Promise((r) => setImmediate(r));

// ---- the pool
class Pool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, (r: BodyResult) => void>();
  private nextId = 0;
  private turn = 0;
  constructor(
    readonly size: number,
    builder: Builder,
  ) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(new URL('./worker-pool-worker.mjs', import.meta.url), { workerData: { builder } });
      w.on('message', (m: BodyResult & { id?: number }) => {
        if (m.id === undefined) return;
        const done = this.waiting.get(m.id)!;
        this.waiting.delete(m.id);
        done(m);
      });
      w.on('error', (e) => {
        console.error('worker failed', e);
        process.exit(1);
      });
      return w;
    });
  }
  run(body: Buffer, receivedAtMs: number): Promise<BodyResult> {
    const id = this.nextId++;
    const w = this.workers[this.turn++ % this.size]!;
    const buf = body.buffer as ArrayBuffer;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      w.postMessage({ id, buf, receivedAtMs, oldestMs }, [buf]);
    });
  }
  async gc(): Promise<{ gcCount: number; gcMs: number }> {
    const all = await Promise.all(
      this.workers.map((w) => new Promise<{ gcCount: number; gcMs: number }>((resolve) => {
        const on = (m: { gcCount?: number; gcMs: number; id?: number }) => {
          if (m.gcCount === undefined) return;
          w.off('message', on);
          resolve(m as { gcCount: number; gcMs: number });
        };
        w.on('message', on);
        w.postMessage('gc');
      })),
    );
    return all.reduce((a, b) => ({ gcCount: a.gcCount + b.gcCount, gcMs: a.gcMs + b.gcMs }), { gcCount: 0, gcMs: 0 });
  }
  close() {
    return Promise.all(this.workers.map((w) => w.terminate()));
  }
}

// ---- the engine (main thread only: chdb must not run in a worker)
const dataDir = mkdtempSync(join(tmpdir(), 'mlobs-bench-pool-'));
{
  const store = await openStore({ database: 'benchpool', dataDir });
  await migrate(store, validateConfig({}).storage.retentionDays);
  await store.close();
}
const { createChdbConnection } = await import('chdb/connection');
const engine: ClickHouseClient = createClient({ connection: createChdbConnection({ path: dataDir }) } as never);
async function insertText(columns: string[], text: string): Promise<void> {
  const cols = columns.map((c) => '`' + c + '`').join(', ');
  const res = await engine.exec({ query: `INSERT INTO benchpool.predictions (${cols}) FORMAT JSONCompactEachRow`, values: Readable.from([text]) });
  res.stream.resume();
}

/**
 * Drives one mode: results arrive in body order, are gathered into blocks of BLOCK rows, and each
 * block goes to `sink` (insert or drop), with at most one sink call in flight.
 */
async function drive(bs: Buffer[], produce: (b: Buffer, receivedAtMs: number) => Promise<BodyResult> | BodyResult, sink: ((cols: string[], text: string) => Promise<void>) | null, window: number) {
  let pending: Promise<void> = Promise.resolve();
  let parts: string[] = [];
  let rows = 0;
  let columns: string[] = [];
  let stored = 0;
  const flush = async () => {
    if (rows === 0) return;
    const text = parts.join('');
    const n = rows;
    parts = [];
    rows = 0;
    await pending;
    pending = sink ? sink(columns, text).then(() => void (stored += n)) : Promise.resolve(void (stored += n));
  };
  const take = async (r: BodyResult) => {
    if (r.rows === 0) return;
    columns = r.columns;
    parts.push(r.text);
    rows += r.rows;
    if (rows >= BLOCK) await flush();
  };
  const queue: (Promise<BodyResult> | BodyResult)[] = [];
  for (const b of bs) {
    queue.push(produce(b, Date.now()));
    if (queue.length >= window) await take(await queue.shift()!);
    // On the main thread, let a finished insert's continuation run between bodies (as between requests).
    else if (window === 1) await settle();
  }
  while (queue.length) await take(await queue.shift()!);
  await flush();
  await pending;
  return stored;
}

interface Mode {
  name: string;
  workers: 0 | 1 | 2;
  builder: Builder;
  engine: boolean;
}
const MODES: Mode[] = [];
const BUILDER_NAMES: Record<Builder, string> = { rows: 'product (row objects + compactEachRow)', array: "trial 'array'", concat: "trial 'concat'" };
for (const engineOn of [false, true]) for (const workers of [0, 1, 2] as const) for (const builder of Object.keys(BUILDERS) as Builder[]) MODES.push({ name: `${engineOn ? '(c) engine,' : workers ? '(b)' : '(a)'} ${workers ? `pool of ${workers}` : 'main thread'}, ${BUILDER_NAMES[builder]}`, workers, builder, engine: engineOn });

// ---- check the trial is the same text before timing it
{
  const [b] = bodies('check');
  const a = BUILDERS.rows(b!, 1_700_000_000_123, oldestMs);
  for (const t of ['array', 'concat'] as const) {
    const d = BUILDERS[t](b!, 1_700_000_000_123, oldestMs);
    if (a.text !== d.text || a.columns.join() !== d.columns.join()) throw new Error(`trial ${t}: its text differs from the product path's`);
  }
}

// BENCH_MODES=regexp runs only the modes whose name matches (e.g. to compare V8 flags across runs).
const only = process.env.BENCH_MODES ? new RegExp(process.env.BENCH_MODES) : null;
const selected = only ? MODES.filter((m) => only.test(m.name)) : MODES;
const pools = new Map<string, Pool>();
for (const m of selected) if (m.workers && !pools.has(`${m.workers}${m.builder}`)) pools.set(`${m.workers}${m.builder}`, new Pool(m.workers, m.builder));
// Warm-up: every function JIT-compiled on the main thread and in every worker before timing.
for (const build of Object.values(BUILDERS)) for (const b of bodies('warm').slice(0, 20)) build(b, Date.now(), oldestMs);
for (const pool of pools.values()) await Promise.all(bodies('warm').slice(0, 20).map((b) => pool.run(b, Date.now())));
// …and one untimed pass over N events, so the main thread's heap has grown to its working size before
// the first timed mode (else that mode alone pays the early mark-compacts of a heap still growing).
for (const b of bodies('warm')) BUILDERS.rows(b, Date.now(), oldestMs);

interface Figure { wall: number; cpu: number; elu: number; gcCount: number; gcMs: number; load: number }
const figures = new Map<string, Figure[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const m of round % 2 ? [...selected].reverse() : selected) {
    const tag = `r${round}-${m.workers}-${m.builder}-${m.engine ? 'e' : 'x'}`;
    const bs = bodies(tag);
    const pool = m.workers ? pools.get(`${m.workers}${m.builder}`)! : null;
    if (global.gc) global.gc();
    await settle();
    const wgc0 = pool ? await pool.gc() : { gcCount: 0, gcMs: 0 };
    const [g0, gm0] = [gc.gcCount, gc.gcMs];
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const build = BUILDERS[m.builder];
    const produce = pool ? (b: Buffer, at: number) => pool.run(b, at) : (b: Buffer, at: number) => build(b, at, oldestMs);
    const stored = await drive(bs, produce, m.engine ? insertText : null, pool ? m.workers * IN_FLIGHT_PER_WORKER : 1);
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    await settle();
    const wgc1 = pool ? await pool.gc() : { gcCount: 0, gcMs: 0 };
    if (stored !== N) throw new Error(`${tag}: ${stored} of ${N} events reached the sink`);
    if (m.engine) {
      const [{ c }] = (await (await engine.query({ query: `SELECT count() c FROM benchpool.predictions WHERE model = 'bench-${tag}'`, format: 'JSONEachRow' })).json()) as { c: string }[];
      if (Number(c) !== N) throw new Error(`${tag}: the engine holds ${c} of ${N} rows`);
    }
    const per100k = 100_000 / N;
    const f: Figure = {
      wall: N / secs,
      cpu: N / ((cpu.user + cpu.system) / 1e6),
      elu: elu.utilization,
      gcCount: (gc.gcCount - g0 + wgc1.gcCount - wgc0.gcCount) * per100k,
      gcMs: (gc.gcMs - gm0 + wgc1.gcMs - wgc0.gcMs) * per100k,
      load: loadavg()[0]!,
    };
    (figures.get(m.name) ?? figures.set(m.name, []).get(m.name)!).push(f);
    console.log(`round ${round + 1} ${m.name}: ${Math.round(f.wall)} events/s, ${Math.round(f.cpu)} per CPU-second, main-thread ELU ${f.elu.toFixed(2)}, GC ${f.gcCount.toFixed(0)} pauses ${f.gcMs.toFixed(0)} ms per 100k, load ${f.load.toFixed(2)}`);
  }
}
for (const p of pools.values()) await p.close();
await engine.close();


// ---- (d) the real stack, default young generation against a larger one
/** utime + stime of a process, seconds (Linux). */
function processCpuSecs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
/** Pauses and their total ms in --trace-gc output (one line per collection of the main isolate). */
function traceGc(out: string): { count: number; ms: number } {
  let count = 0;
  let ms = 0;
  for (const m of out.matchAll(/ms: (?:Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)[^,\n]*, ([\d.]+) \/ [\d.]+ ms/g)) {
    count++;
    ms += Number(m[1]);
  }
  return { count, ms };
}
async function throughStack(tag: string, nodeArgs: string[]): Promise<Figure> {
  const port = await freePort();
  const child = spawnMlobs(['up', '--port', String(port), '--data-dir', mkdtempSync(join(tmpdir(), 'mlobs-bench-pool-stack-'))], { MLOBS_LOG_LEVEL: 'warn' }, ['--trace-gc', ...nodeArgs]);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/readyz`, child);
    const lines = eventLines(N, tag);
    const posts: string[] = [];
    for (let i = 0; i < N; i += BATCH) posts.push(lines.slice(i, i + BATCH).join('\n'));
    const count = async () => {
      const r = await fetch(`${url}/v1/sql`, { method: 'POST', body: JSON.stringify({ query: 'SELECT count() c FROM predictions WHERE model = {m:String}', params: { m: `bench-${tag}` } }) });
      return ((await r.json()) as { data: { c: number }[] }).data[0]!.c;
    };
    const gc0 = traceGc(child.output());
    const cpu0 = processCpuSecs(child.pid!);
    const t0 = performance.now();
    await postAll(`${url}/v1/predictions`, posts, { headers: { 'content-type': 'application/x-ndjson' }, ok: 202, concurrency: 4 });
    const deadline = Date.now() + 600_000;
    while ((await count()) < N) {
      if (Date.now() > deadline) throw new Error(`${tag}: not all ${N} events stored within 10 min`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const secs = (performance.now() - t0) / 1000;
    const cpu = processCpuSecs(child.pid!) - cpu0;
    const gc1 = traceGc(child.output());
    const per100k = 100_000 / N;
    return { wall: N / secs, cpu: N / cpu, elu: NaN, gcCount: (gc1.count - gc0.count) * per100k, gcMs: (gc1.ms - gc0.ms) * per100k, load: loadavg()[0]! };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}
if (process.env.BENCH_STACK !== '0') {
  const variants: [string, string[]][] = [
    ['(d) stack, default young generation', []],
    ['(d) stack, --max-semi-space-size=64', ['--max-semi-space-size=64']],
  ];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, args] of round % 2 ? [...variants].reverse() : variants) {
      const f = await throughStack(`stack${round}${args.length}`, args);
      (figures.get(name) ?? figures.set(name, []).get(name)!).push(f);
      console.log(`round ${round + 1} ${name}: ${Math.round(f.wall)} events/s, ${Math.round(f.cpu)} per CPU-second of the stack, GC ${f.gcCount.toFixed(0)} pauses ${f.gcMs.toFixed(0)} ms per 100k, load ${f.load.toFixed(2)}`);
    }
  }
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(`\n${N.toLocaleString('en-US')} events per run, ${ROUNDS} rounds alternating; node ${process.execArgv.filter((x) => /^--(expose-gc|max-|trace-)/.test(x)).join(' ')}; each cell: median (each round)\n`);
console.log('| mode | events per wall-second | events per CPU-second | main-thread ELU | GC pauses per 100k | GC ms per 100k | load average |\n|---|---|---|---|---|---|---|');
for (const [name, fs] of figures) {
  const col = (k: keyof Figure, f: (x: number) => string) => `${f(median(fs.map((x) => x[k])))} (${fs.map((x) => f(x[k])).join(', ')})`;
  console.log(`| ${name} | ${col('wall', fmt)} | ${col('cpu', fmt)} | ${col('elu', (x) => (Number.isNaN(x) ? '—' : x.toFixed(2)))} | ${col('gcCount', (x) => x.toFixed(0))} | ${col('gcMs', (x) => x.toFixed(0))} | ${fs.map((x) => x.load.toFixed(1)).join(', ')} |`);
}
