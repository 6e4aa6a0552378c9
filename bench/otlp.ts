// npm run bench:otlp — GenAI spans per second through the OTLP/HTTP receiver (protobuf bodies of 512
// spans, as the SDK's BatchSpanProcessor exports them) into otel_traces + predictions, beside the raw
// store.insert of the same rows built by the row builders, in one run. Writes its section of
// bench/RESULTS.md. BENCH_PROFILE=1 also runs the stack under `node --cpu-prof` and summarises where
// its CPU time went (self time by function and by file).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { openStore } from '../storage/clickhouse.js';
import { migrate } from '../storage/migrations.js';
import { buildRow } from '../storage/rows.js';
import { EVENT_KINDS, type EventKind } from '../core/schemas/kinds.js';
import { validateEvent } from '../core/schemas/validate.js';
import { validateConfig } from '../app/config.js';
import { decodeExport, encodeRequest } from '../collector/otlp/decode.js';
import { convertTraces } from '../collector/otlp/traces.js';
import { genAiTraces } from '../demo/genai-traces.js';
import { freePort, spawnMlobs, waitReady, REPO } from '../test/helpers/process.js';
import { machineLine, median, writeSection } from './results.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 50_000); // two spans each
const SPANS = REQUESTS * 2;
const PER_BODY = 256; // requests per export: 512 spans, the SDK's default maxExportBatchSize
const CONCURRENCY = 4;
const START = Date.now() - 3_600_000;
const PROTOBUF = 'application/x-protobuf';

/** Protobuf export bodies for one run; the model and service name tag the run's rows. */
function bodies(tag: string, seed: number): Buffer[] {
  const { requests } = genAiTraces({ count: REQUESTS, startMs: START, spacingMs: 5, seed, model: `bench-${tag}`, service: `bench-${tag}`, errorEvery: 50, ids: 'bytes', batch: PER_BODY });
  return requests.map((r) => encodeRequest('traces', r));
}

/** The rows the receiver would store for these bodies, by table: decoded, converted, validated and built as the receiver and sink do. */
function rowsOf(bs: Buffer[]): Map<string, object[]> {
  const otlp = validateConfig({}).otlp;
  const receivedAtMs = Date.now();
  const out = new Map<string, object[]>();
  let n = 0;
  for (const body of bs) {
    for (const { kind, event } of convertTraces(decodeExport('traces', body, PROTOBUF), { nowMs: receivedAtMs, otlp }).events) {
      const v = validateEvent(kind as EventKind, event);
      if (!v.ok) throw new Error(`bench event refused: ${v.error}`);
      const table = EVENT_KINDS[kind as EventKind].table;
      if (!out.has(table)) out.set(table, []);
      out.get(table)!.push(buildRow(kind as EventKind, v.event as never, { receivedAtMs, id: `raw-${n++}` }));
    }
  }
  return out;
}

/** Raw insert: the prebuilt rows into both tables, in the receiver's batch sizes, one table after the other per batch. */
async function rawInsertRate(): Promise<{ spansPerS: number; rows: Record<string, number> }> {
  const store = await openStore({ database: 'benchotlp', dataDir: mkdtempSync(join(tmpdir(), 'mlobs-bench-otlp-raw-')) });
  try {
    await migrate(store, validateConfig({}).storage.retentionDays);
    const bs = bodies('raw', 11);
    const perBody = bs.map((b) => rowsOf([b]));
    const t0 = performance.now();
    for (const tables of perBody) for (const [table, rows] of tables) await store.insert(table, rows);
    const secs = (performance.now() - t0) / 1000;
    const count = async (table: string) => Number((await store.query<{ n: string }>(`SELECT count() AS n FROM benchotlp.${table}`))[0]!.n);
    return { spansPerS: SPANS / secs, rows: { otel_traces: await count('otel_traces'), predictions: await count('predictions') } };
  } finally {
    await store.close();
  }
}

/** The receiver: protobuf bodies posted to a running `mlobs up`, timed until both tables hold every row. */
async function throughReceiver(profileDir?: string): Promise<{ spansPerS: number; acceptedS: number; storedS: number; retries: number }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'mlobs-bench-otlp-'));
  const child = spawnMlobs(['up', '--port', String(port), '--data-dir', dataDir], { MLOBS_LOG_LEVEL: 'warn' }, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
  const url = `http://127.0.0.1:${port}`;
  const tag = 'receiver';
  try {
    await waitReady(`${url}/readyz`, child);
    const bs = bodies(tag, 12);
    const count = async () => {
      const r = await fetch(`${url}/v1/sql`, {
        method: 'POST',
        body: JSON.stringify({ query: `SELECT (SELECT count() FROM otel_traces WHERE ServiceName = {m:String}) AS spans, (SELECT count() FROM predictions WHERE model = {m:String}) AS preds`, params: { m: `bench-${tag}` } }),
      });
      const row = ((await r.json()) as { data: { spans: number; preds: number }[] }).data[0]!;
      return { spans: Number(row.spans), preds: Number(row.preds) };
    };
    let retries = 0;
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < bs.length) {
        const body = bs[next++]!;
        for (;;) {
          const res = await fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': PROTOBUF }, body: body as unknown as BodyInit });
          await res.arrayBuffer();
          if (res.status === 200) break;
          if (res.status !== 503) throw new Error(`receiver answered ${res.status}`);
          retries++;
          await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 100));
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const accepted = performance.now();
    for (;;) {
      const c = await count();
      if (c.spans >= SPANS && c.preds >= REQUESTS) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const stored = performance.now();
    return { spansPerS: SPANS / ((stored - t0) / 1000), acceptedS: (accepted - t0) / 1000, storedS: (stored - t0) / 1000, retries };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Self time by function and by file of the stack's CPU profile: the top entries, as shares of the busy (non-idle) samples. */
function summariseProfile(dir: string, top = 14): { functions: [string, number][]; files: [string, number][]; idle: number } {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const prof = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const fn = new Map<string, number>();
  const files = new Map<string, number>();
  let idle = 0;
  for (const id of prof.samples) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') {
      idle++;
      continue;
    }
    const where = n.callFrame.url ? relative(REPO, n.callFrame.url.replace(/^file:\/\//, '')) : '';
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)?.[1];
    const fileKey = pkg ? `node_modules/${pkg}` : where || `(${n.callFrame.functionName || 'native'})`;
    const fnKey = `${n.callFrame.functionName || '(anonymous)'} ${where ? `${pkg ? `[${pkg}]` : where}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
    fn.set(fnKey, (fn.get(fnKey) ?? 0) + 1);
    files.set(fileKey, (files.get(fileKey) ?? 0) + 1);
  }
  const busy = prof.samples.length - idle;
  const topOf = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => [k, v / busy] as [string, number]);
  return { functions: topOf(fn), files: topOf(files), idle: idle / prof.samples.length };
}

// The machine is shared: raw and receiver runs alternate, and the ratio is taken per round (each
// receiver run against the raw run just before it), so that a load swing does not land on one side.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const rounds: { raw: number; receiver: Awaited<ReturnType<typeof throughReceiver>> }[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const raw = await rawInsertRate();
  if (raw.rows.otel_traces !== SPANS || raw.rows.predictions !== REQUESTS) throw new Error(`raw insert stored ${JSON.stringify(raw.rows)}, expected ${SPANS} spans and ${REQUESTS} predictions`);
  console.log(`round ${i + 1}: raw insert ${Math.round(raw.spansPerS)} spans/s`);
  const receiver = await throughReceiver();
  console.log(`round ${i + 1}: receiver ${Math.round(receiver.spansPerS)} spans/s (accepted in ${receiver.acceptedS.toFixed(2)} s, stored in ${receiver.storedS.toFixed(2)} s, ${receiver.retries} 503s)`);
  rounds.push({ raw: raw.spansPerS, receiver });
}
const ratios = rounds.map((r) => r.receiver.spansPerS / r.raw);
const ratio = median(ratios);
let profile: ReturnType<typeof summariseProfile> | null = null;
let profiledRate = 0;
if (process.env.BENCH_PROFILE || ratio < 0.7) {
  const dir = mkdtempSync(join(tmpdir(), 'mlobs-bench-otlp-prof-'));
  profiledRate = (await throughReceiver(dir)).spansPerS;
  console.log(`receiver under --cpu-prof: ${Math.round(profiledRate)} spans/s`);
  profile = summariseProfile(dir);
  for (const [k, v] of profile.functions) console.log(`${(v * 100).toFixed(1).padStart(5)} %  ${k}`);
}

const n = (v: number) => Math.round(v).toLocaleString('en-US');
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
writeSection(
  'otlp',
  `${machineLine('embedded engine (chdb)')}
${n(SPANS)} spans: ${n(REQUESTS)} GenAI requests (demo/genai-traces.ts: a \`chat\` CLIENT span with 14 GenAI attributes, a first-token event and a child span), protobuf export bodies of ${PER_BODY * 2} spans (the SDK's batch), ${CONCURRENCY} concurrent HTTP clients on the same machine. Each request becomes a span row pair in \`otel_traces\` and a prediction.
Target: the receiver at ≥ 0.7 of the raw insert of the same rows.

| round | raw \`store.insert\` of the rows built by the row builders (per body: ${PER_BODY * 2} \`otel_traces\` rows, then ${PER_BODY} \`predictions\` rows), spans/s | POST /v1/traces (protobuf) → decode → convert → validate → in-process bus → sinks → embedded engine, until both tables hold every row, spans/s | ratio |
|---|---|---|---|
${rounds.map((r, i) => `| ${i + 1} | ${n(r.raw)} | ${n(r.receiver.spansPerS)} | ${ratios[i]!.toFixed(2)} |`).join('\n')}
| **median** | ${n(median(rounds.map((r) => r.raw)))} | ${n(median(rounds.map((r) => r.receiver.spansPerS)))} | **${ratio.toFixed(2)}** (target ≥ 0.7: ${ratio >= 0.7 ? 'met' : 'missed'}) |

Receiver runs: ${rounds.map((r) => `accepted after ${r.receiver.acceptedS.toFixed(1)} s, stored after ${r.receiver.storedS.toFixed(1)} s, ${r.receiver.retries} × 503`).join('; ')}.${
    profile
      ? `

Where the stack's CPU time went (\`node --cpu-prof\` over one more receiver run, ${n(profiledRate)} spans/s, start-up included; self time as a share of the busy samples; the main thread was idle in ${pct(profile.idle)} of all samples, the embedded engine's own threads not being sampled):

| file or package | self |
|---|---|
${profile.files.map(([k, v]) => `| ${k} | ${pct(v)} |`).join('\n')}

| function | self |
|---|---|
${profile.functions.map(([k, v]) => `| \`${k.replace(/\|/g, '\\|')}\` | ${pct(v)} |`).join('\n')}`
      : ''
  }`,
);
