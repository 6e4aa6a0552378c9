// npm run bench:ingest — prediction events (20 features each) per second through the whole path,
// HTTP → bus → ClickHouse, embedded and with a real Kafka broker, beside the raw @clickhouse/client
// insert rate of the same rows into the same engine. Writes its section of bench/RESULTS.md.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../storage/clickhouse.js';
import { migrate } from '../storage/migrations.js';
import { predictionRow } from '../storage/rows.js';
import { predictionEvent } from '../core/schemas/events.js';
import { validateConfig } from '../app/config.js';
import { freePort, spawnMlobs, waitReady, REPO } from '../test/helpers/process.js';
import { machineLine, writeSection } from './results.js';
import { CASES, describe as describeClientCase, runCase, type ClientResult } from './kafka-clients.js';
import { BENCH_KAFKA_PORT, postAll } from './load.js';

const N = Number(process.env.BENCH_EVENTS ?? 200_000);
const BATCH = 1000;
const CONCURRENCY = 4;
const start = Date.now() - 3_600_000;

function events(from: number, count: number, tag: string) {
  const out = [];
  for (let i = from; i < from + count; i++) {
    const features: Record<string, number> = {};
    for (let f = 0; f < 20; f++) features[`f${f}`] = ((i * 7919 + f * 104729) % 100_003) / 1000;
    out.push({ model: `bench-${tag}`, prediction_id: `${tag}-${i}`, timestamp: start + i, features, prediction: i % 2, score: (i % 100) / 100, latency_ms: 5 });
  }
  return out;
}

/** Rows per second of the insert loop alone, and the cores this process (engine included) used meanwhile. */
async function rawInsertRate(): Promise<{ rate: number; cores: number }> {
  const store = await openStore({ database: 'benchraw', dataDir: mkdtempSync(join(tmpdir(), 'mlobs-bench-raw-')) });
  await migrate(store, validateConfig({}).storage.retentionDays);
  const received = Date.now();
  const rows = events(0, N, 'raw').map((e) => predictionRow(predictionEvent.parse(e), received));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += 20_000) await store.insert('predictions', rows.slice(i, i + 20_000));
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await store.close();
  return { rate: N / secs, cores: (cpu.user + cpu.system) / 1e6 / secs };
}

/** What one run measured: the rate, and what the machine gave it (ratios within a run are what count). */
interface Run {
  rate: number;
  /** Cores the load generator (this process) used on average during the run. */
  generatorCpu: number;
  /** Cores the stack's process used on average during the run. */
  stackCpu: number;
  /** 1-minute load average at the end of the run. */
  load: number;
}

/** utime + stime of a process, seconds (Linux). */
function processCpuSecs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function throughStack(label: string, env: Record<string, string>, tree = REPO, opts: { discard?: boolean } = {}): Promise<Run> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'mlobs-bench-'));
  const args = ['up', '--port', String(port), '--data-dir', dataDir];
  const childEnv = { MLOBS_LOG_LEVEL: 'warn', KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env };
  // The discarding stack runs the same path with the predictions' inserts dropped (bench/discard-stack.ts).
  const child = opts.discard
    ? Object.assign(spawn(process.execPath, ['--import', 'tsx', 'bench/discard-stack.ts', ...args.slice(1)], { cwd: tree, env: { ...process.env, ...childEnv }, stdio: ['ignore', 'pipe', 'pipe'] }), { output: () => '' })
    : spawnMlobs(args, childEnv, [], tree);
  if (opts.discard) {
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    child.output = () => out;
  }
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/readyz`, child);
    const bodies: string[] = [];
    for (let i = 0; i < N; i += BATCH) bodies.push(events(i, BATCH, label).map((e) => JSON.stringify(e)).join('\n'));
    const count = opts.discard
      ? async () => {
          const text = await (await fetch(`${url}/metrics`)).text();
          return Number(/^mlobs_sink_rows_total\{kind="prediction"\} (\d+)/m.exec(text)?.[1] ?? 0);
        }
      : async () => {
          const r = await fetch(`${url}/v1/sql`, { method: 'POST', body: JSON.stringify({ query: 'SELECT count() c FROM predictions WHERE model = {m:String}', params: { m: `bench-${label}` } }) });
          return ((await r.json()) as { data: { c: number }[] }).data[0]!.c;
        };
    const cpu0 = process.cpuUsage();
    const stack0 = processCpuSecs(child.pid!);
    const t0 = performance.now();
    await postAll(`${url}/v1/predictions`, bodies, { headers: { 'content-type': 'application/x-ndjson' }, ok: 202, concurrency: CONCURRENCY });
    const accepted = performance.now();
    while ((await count()) < N) await new Promise((r) => setTimeout(r, 50));
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const run: Run = { rate: N / secs, generatorCpu: (cpu.user + cpu.system) / 1e6 / secs, stackCpu: (processCpuSecs(child.pid!) - stack0) / secs, load: loadavg()[0]! };
    console.log(`${label}: accepted in ${((accepted - t0) / 1000).toFixed(2)} s, stored in ${secs.toFixed(2)} s; ${Math.round(run.rate)} events/s; load generator ${run.generatorCpu.toFixed(2)} cores, stack ${run.stackCpu.toFixed(2)} cores, load average ${run.load.toFixed(2)}`);
    return run;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

// BENCH_BASELINE=REV also runs the tree at REV (a git worktree beside this one, sharing its
// node_modules), alternating with this tree on the same machine in the same run, so a change can be
// shown not to slow ingest down.
const baselineRev = process.env.BENCH_BASELINE;
let baseline: { rev: string; embedded: number[]; current: number[]; kafka: number[]; kafkaCurrent: number[] } | null = null;
let baselineTree: string | null = null;
if (baselineRev) {
  const rev = execFileSync('git', ['rev-parse', '--short', baselineRev], { cwd: REPO, encoding: 'utf8' }).trim();
  baselineTree = mkdtempSync(join(tmpdir(), `mlobs-baseline-${rev}-`));
  execFileSync('git', ['worktree', 'add', '--detach', baselineTree, rev], { cwd: REPO, stdio: 'ignore' });
  symlinkSync(join(REPO, 'node_modules'), join(baselineTree, 'node_modules'));
  baseline = { rev, embedded: [], current: [], kafka: [], kafkaCurrent: [] };
}

const rawRun = await rawInsertRate();
const raw = rawRun.rate;
const rawLoad = loadavg()[0]!;
// Per core-second of CPU: what a shared machine distorts least (each process gets what the others leave).
const rawPerCore = raw / rawRun.cores;
console.log(`raw insert: ${Math.round(raw)} rows/s, ${rawRun.cores.toFixed(2)} cores, ${Math.round(rawPerCore)} rows per core-second (load average ${rawLoad.toFixed(2)})`);
const embedded = await throughStack('embedded', {});
const embeddedDiscard = await throughStack('embdiscard', {}, REPO, { discard: true });
const ROUNDS = 2;
if (baseline) {
  for (let i = 0; i < ROUNDS; i++) {
    baseline.embedded.push((await throughStack(`base${i}`, {}, baselineTree!)).rate);
    baseline.current.push(i === 0 ? embedded.rate : (await throughStack(`cur${i}`, {})).rate);
  }
  console.log(`embedded, baseline ${baseline.rev}: ${baseline.embedded.map(Math.round).join(', ')}; this tree: ${baseline.current.map(Math.round).join(', ')} events/s`);
}
let kafka: Run | null = null;
let kafkaTrusted: Run | null = null;
let kafkaDiscard: Run | null = null;
// The same path on the other data-path client (kafka.client: platformatic), and with its lz4.
let kafkaPlat: Run | null = null;
let kafkaPlatLz4: Run | null = null;
let kafkaPlatTrusted: Run | null = null;
let kafkaPlatDiscard: Run | null = null;
let clients: (ClientResult | ({ error: string } & (typeof CASES)[number]))[] = [];
let brokers = process.env.KAFKA_BROKERS;
let startedBroker = false;
if (!brokers) {
  const out = execFileSync('bash', ['deploy/kafka/kafka.sh', 'start', '--port', BENCH_KAFKA_PORT], { cwd: REPO, encoding: 'utf8' });
  brokers = /KAFKA_BROKERS=(\S+)/.exec(out)![1]!;
  startedBroker = true;
}
const TRUST_KEY = 'bench-only-trusted-producer-key-0123456789';
try {
  const kenv = (tag: string, extra: Record<string, string> = {}) => ({ KAFKA_BROKERS: brokers!, MLOBS_KAFKA_TOPIC_PREFIX: `bench${tag}${Date.now()}.`, ...extra });
  const kjs = { MLOBS_KAFKA_CLIENT: 'kafkajs' };
  const plat = { MLOBS_KAFKA_CLIENT: 'platformatic' };
  // The clients alternate, so that the machine's load changes between runs weigh on both alike.
  kafka = await throughStack('kafka', kenv('k', kjs));
  kafkaPlat = await throughStack('kplat', kenv('p', plat));
  kafkaPlatLz4 = await throughStack('kplatlz4', kenv('z', { ...plat, MLOBS_KAFKA_COMPRESSION: 'lz4' }));
  kafkaTrusted = await throughStack('ktrusted', kenv('t', { ...kjs, MLOBS_KAFKA_TRUSTED_PRODUCER_KEY: TRUST_KEY }));
  kafkaPlatTrusted = await throughStack('kplattrusted', kenv('pt', { ...plat, MLOBS_KAFKA_TRUSTED_PRODUCER_KEY: TRUST_KEY }));
  kafkaDiscard = await throughStack('kdiscard', kenv('d', { ...kjs, MLOBS_KAFKA_TRUSTED_PRODUCER_KEY: TRUST_KEY }), REPO, { discard: true });
  kafkaPlatDiscard = await throughStack('kplatdiscard', kenv('pd', { ...plat, MLOBS_KAFKA_TRUSTED_PRODUCER_KEY: TRUST_KEY }), REPO, { discard: true });
  // The Kafka leg alone, each client, in this process (bench/kafka-clients.ts): the produce + consume ceiling.
  for (const c of CASES.filter((c) => c.perSend === 1000 && (c.compression === 'none' || c.compression === 'lz4'))) {
    const r = await runCase(brokers.split(','), c, N, `ingest${clients.length}`);
    console.log(describeClientCase(r));
    clients.push(r);
  }
  if (baseline) {
    for (let i = 0; i < ROUNDS; i++) {
      baseline.kafka.push((await throughStack(`kbase${i}`, kenv(`b${i}`), baselineTree!)).rate);
      baseline.kafkaCurrent.push(i === 0 ? kafka.rate : (await throughStack(`kcur${i}`, kenv(`c${i}`, kjs))).rate);
    }
    console.log(`kafka, baseline ${baseline.rev}: ${baseline.kafka.map(Math.round).join(', ')}; this tree: ${baseline.kafkaCurrent.map(Math.round).join(', ')} events/s`);
  }
} finally {
  if (startedBroker) execFileSync('bash', ['deploy/kafka/kafka.sh', 'stop', '--port', BENCH_KAFKA_PORT], { cwd: REPO });
  if (baselineTree) execFileSync('git', ['worktree', 'remove', '--force', baselineTree], { cwd: REPO, stdio: 'ignore' });
}

const fmt = (v: number) => Math.round(v).toLocaleString('en-US');
const line = (name: string, r: Run | null, target = true) =>
  r === null
    ? `| ${name} | not measured | | | | | | | |`
    : `| ${name} | ${fmt(r.rate)} | ${(r.rate / raw).toFixed(2)} | ${r.generatorCpu.toFixed(2)} | ${r.stackCpu.toFixed(2)} | ${fmt(r.rate / r.stackCpu)} | ${(r.rate / r.stackCpu / rawPerCore).toFixed(2)} | ${r.load.toFixed(2)} | ${target ? (r.rate >= 50_000 && r.rate / raw >= 0.7 ? 'met' : 'missed') : 'ceiling'} |`;
const clientLine = (r: (typeof clients)[number]) =>
  'error' in r
    ? `| Kafka alone, ${r.client}, ${r.compression} (produce + consume, no parsing, no storage) | not supported here: ${r.error} | | | | | | | |`
    : `| Kafka alone, ${r.client}, ${r.compression} (produce + consume, no parsing, no storage) | ${fmt(r.eventsPerSec)} | ${(r.eventsPerSec / raw).toFixed(2)} | ${(r.cpuMsPer1k * r.eventsPerSec / 1e6).toFixed(2)} | — | ${fmt(1e6 / r.cpuMsPer1k)} (both clients) | ${(1e6 / r.cpuMsPer1k / rawPerCore).toFixed(2)} | ${loadavg()[0]!.toFixed(2)} | ceiling |`;
writeSection(
  'ingest',
  `${machineLine('embedded engine (chdb)')}
${N.toLocaleString('en-US')} prediction events with 20 numeric features, NDJSON batches of ${BATCH}, ${CONCURRENCY} concurrent HTTP clients in the same machine.
Target: ≥ 50,000 events/s through the whole path and ≥ 0.7 of the raw insert rate. "Generator" is the CPU (cores) this benchmark's process used during the run
(the HTTP clients, or for "Kafka alone" both Kafka clients), "stack" the \`mlobs up\` process's; the load average is the machine's at the end of the run (it is shared).
Per core-second: events (or rows) per second of CPU the process measured got, which a shared machine distorts less than wall-clock rates.
"Discarding" runs the same stack with the predictions' inserts dropped (bench/discard-stack.ts): the ceiling of the path without the engine.

| path | events/s | ratio to raw insert | generator cores | stack cores | events per stack core-second | ratio per core-second | load average | target |
|---|---|---|---|---|---|---|---|---|
| raw insert of the same rows through the store (JSONCompactEachRow, embedded engine) | ${fmt(raw)} | 1.00 | — | ${rawRun.cores.toFixed(2)} (this process) | ${fmt(rawPerCore)} | 1.00 | ${rawLoad.toFixed(2)} | — |
${line('HTTP → in-process bus → embedded ClickHouse', embedded)}
${line('HTTP → in-process bus → sink discarding the rows', embeddedDiscard, false)}
${line('HTTP → Kafka (kafkajs, local KRaft broker) → embedded ClickHouse', kafka)}
${line('HTTP → Kafka (platformatic, local KRaft broker) → embedded ClickHouse', kafkaPlat)}
${line('HTTP → Kafka (platformatic, kafka.compression lz4) → embedded ClickHouse', kafkaPlatLz4)}
${line('HTTP → Kafka (kafkajs) with kafka.trustedProducerKey (sink skips validation of signed events)', kafkaTrusted)}
${line('HTTP → Kafka (platformatic) with kafka.trustedProducerKey', kafkaPlatTrusted)}
${line('HTTP → Kafka (kafkajs, trusted key) → sink discarding the rows', kafkaDiscard, false)}
${line('HTTP → Kafka (platformatic, trusted key) → sink discarding the rows', kafkaPlatDiscard, false)}
${clients.map(clientLine).join('\n')}${
    baseline
      ? `

The same paths, this tree against the tree at ${baseline.rev} (\`BENCH_BASELINE=${baseline.rev}\`), alternating in this run (events/s, each run):

| path | ${baseline.rev} | this tree |
|---|---|---|
| embedded | ${baseline.embedded.map(fmt).join(', ')} | ${baseline.current.map(fmt).join(', ')} |
| Kafka | ${baseline.kafka.map(fmt).join(', ') || 'not measured'} | ${baseline.kafkaCurrent.map(fmt).join(', ') || 'not measured'} |`
      : ''
  }`,
);
