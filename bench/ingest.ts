// npm run bench:ingest — prediction events (20 features each) per second through the whole path,
// HTTP → bus → ClickHouse, embedded and with a real Kafka broker, beside the raw @clickhouse/client
// insert rate of the same rows into the same engine. Writes its section of bench/RESULTS.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../storage/clickhouse.js';
import { migrate } from '../storage/migrations.js';
import { predictionRow } from '../storage/rows.js';
import { predictionEvent } from '../core/schemas/events.js';
import { validateConfig } from '../app/config.js';
import { freePort, spawnMlobs, waitReady, REPO } from '../test/helpers/process.js';
import { machineLine, writeSection } from './results.js';

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

async function rawInsertRate(): Promise<number> {
  const store = await openStore({ database: 'benchraw', dataDir: mkdtempSync(join(tmpdir(), 'mlobs-bench-raw-')) });
  await migrate(store, validateConfig({}).storage.retentionDays);
  const received = Date.now();
  const rows = events(0, N, 'raw').map((e) => predictionRow(predictionEvent.parse(e), received));
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += 20_000) await store.insert('predictions', rows.slice(i, i + 20_000));
  const secs = (performance.now() - t0) / 1000;
  await store.close();
  return N / secs;
}

async function throughStack(label: string, env: Record<string, string>, tree = REPO): Promise<number> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'mlobs-bench-'));
  const child = spawnMlobs(['up', '--port', String(port), '--data-dir', dataDir], { MLOBS_LOG_LEVEL: 'warn', KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env }, [], tree);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/readyz`, child);
    const bodies: string[] = [];
    for (let i = 0; i < N; i += BATCH) bodies.push(events(i, BATCH, label).map((e) => JSON.stringify(e)).join('\n'));
    const count = async () => {
      const r = await fetch(`${url}/v1/sql`, { method: 'POST', body: JSON.stringify({ query: 'SELECT count() c FROM predictions WHERE model = {m:String}', params: { m: `bench-${label}` } }) });
      return ((await r.json()) as { data: { c: number }[] }).data[0]!.c;
    };
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        for (;;) {
          const res = await fetch(`${url}/v1/predictions`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
          await res.arrayBuffer();
          if (res.status === 202) break;
          if (res.status !== 503) throw new Error(`ingest answered ${res.status}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const accepted = performance.now();
    while ((await count()) < N) await new Promise((r) => setTimeout(r, 50));
    const secs = (performance.now() - t0) / 1000;
    console.log(`${label}: accepted in ${((accepted - t0) / 1000).toFixed(2)} s, stored in ${secs.toFixed(2)} s`);
    return N / secs;
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

const raw = await rawInsertRate();
console.log(`raw insert: ${Math.round(raw)} rows/s`);
const embedded = await throughStack('embedded', {});
console.log(`embedded whole path: ${Math.round(embedded)} events/s`);
const ROUNDS = 2;
if (baseline) {
  for (let i = 0; i < ROUNDS; i++) {
    baseline.embedded.push(await throughStack(`base${i}`, {}, baselineTree!));
    baseline.current.push(i === 0 ? embedded : await throughStack(`cur${i}`, {}));
  }
  console.log(`embedded, baseline ${baseline.rev}: ${baseline.embedded.map(Math.round).join(', ')}; this tree: ${baseline.current.map(Math.round).join(', ')} events/s`);
}
let kafka: number | null = null;
let brokers = process.env.KAFKA_BROKERS;
let startedBroker = false;
if (!brokers) {
  const out = execFileSync('bash', ['deploy/kafka/kafka.sh', 'start', '--port', '19093'], { cwd: REPO, encoding: 'utf8' });
  brokers = /KAFKA_BROKERS=(\S+)/.exec(out)![1]!;
  startedBroker = true;
}
try {
  kafka = await throughStack('kafka', { KAFKA_BROKERS: brokers, MLOBS_KAFKA_TOPIC_PREFIX: `bench${Date.now()}.` });
  console.log(`kafka whole path: ${Math.round(kafka)} events/s`);
  if (baseline) {
    for (let i = 0; i < ROUNDS; i++) {
      baseline.kafka.push(await throughStack(`kbase${i}`, { KAFKA_BROKERS: brokers, MLOBS_KAFKA_TOPIC_PREFIX: `benchb${i}${Date.now()}.` }, baselineTree!));
      baseline.kafkaCurrent.push(i === 0 ? kafka : await throughStack(`kcur${i}`, { KAFKA_BROKERS: brokers, MLOBS_KAFKA_TOPIC_PREFIX: `benchc${i}${Date.now()}.` }));
    }
    console.log(`kafka, baseline ${baseline.rev}: ${baseline.kafka.map(Math.round).join(', ')}; this tree: ${baseline.kafkaCurrent.map(Math.round).join(', ')} events/s`);
  }
} finally {
  if (startedBroker) execFileSync('bash', ['deploy/kafka/kafka.sh', 'stop', '--port', '19093'], { cwd: REPO });
  if (baselineTree) execFileSync('git', ['worktree', 'remove', '--force', baselineTree], { cwd: REPO, stdio: 'ignore' });
}

const line = (name: string, v: number) => `| ${name} | ${Math.round(v).toLocaleString('en-US')} | ${(v / raw).toFixed(2)} | ${v >= 50_000 && v / raw >= 0.7 ? 'met' : 'missed'} |`;
writeSection(
  'ingest',
  `${machineLine('embedded engine (chdb)')}
${N.toLocaleString('en-US')} prediction events with 20 numeric features, NDJSON batches of ${BATCH}, ${CONCURRENCY} concurrent HTTP clients in the same machine.
Target: ≥ 50,000 events/s through the whole path and ≥ 0.7 of the raw insert rate.

| path | events/s | ratio to raw insert | target |
|---|---|---|---|
| raw insert of the same rows through the store (JSONCompactEachRow, embedded engine) | ${Math.round(raw).toLocaleString('en-US')} | 1.00 | — |
${line('HTTP → in-process bus → embedded ClickHouse', embedded)}
${kafka === null ? '| HTTP → Kafka → embedded ClickHouse | not measured | | |' : line('HTTP → Kafka (local KRaft broker) → embedded ClickHouse', kafka)}${
    baseline
      ? `

The same paths, this tree against the tree at ${baseline.rev} (\`BENCH_BASELINE=${baseline.rev}\`), alternating in this run (events/s, each run):

| path | ${baseline.rev} | this tree |
|---|---|---|
| embedded | ${baseline.embedded.map((v) => Math.round(v).toLocaleString('en-US')).join(', ')} | ${baseline.current.map((v) => Math.round(v).toLocaleString('en-US')).join(', ')} |
| Kafka | ${baseline.kafka.map((v) => Math.round(v).toLocaleString('en-US')).join(', ') || 'not measured'} | ${baseline.kafkaCurrent.map((v) => Math.round(v).toLocaleString('en-US')).join(', ') || 'not measured'} |`
      : ''
  }`,
);
