// npx tsx bench/profile.ts [kafka] — `mlobs up` under `node --cpu-prof` while BENCH_EVENTS prediction
// events go through it (embedded, or with KAFKA_BROKERS the Kafka path; MLOBS_KAFKA_TRUSTED_PRODUCER_KEY
// passes through), then the main thread's self time by where it goes. Proportions within the process
// hold on a busy machine; absolute times do not.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnMlobs, waitReady } from '../test/helpers/process.js';
import { eventLines } from './kafka-clients.js';

const N = Number(process.env.BENCH_EVENTS ?? 100_000);
const kafka = process.argv[2] === 'kafka';
if (kafka && !process.env.KAFKA_BROKERS) throw new Error('KAFKA_BROKERS is not set');
const profDir = mkdtempSync(join(tmpdir(), 'mlobs-prof-'));
const port = await freePort();
const env: Record<string, string> = { MLOBS_LOG_LEVEL: 'warn', KAFKAJS_NO_PARTITIONER_WARNING: '1' };
if (kafka) Object.assign(env, { KAFKA_BROKERS: process.env.KAFKA_BROKERS!, MLOBS_KAFKA_TOPIC_PREFIX: `prof${Date.now()}.` });
const child = spawnMlobs(['up', '--port', String(port), '--data-dir', mkdtempSync(join(tmpdir(), 'mlobs-prof-data-'))], env, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
const url = `http://127.0.0.1:${port}`;
await waitReady(`${url}/readyz`, child);
const lines = eventLines(N, 'prof');
const bodies: string[] = [];
for (let i = 0; i < N; i += 1000) bodies.push(lines.slice(i, i + 1000).join('\n'));
let next = 0;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      for (;;) {
        const res = await fetch(`${url}/v1/predictions`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
        await res.arrayBuffer();
        if (res.status === 202) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }),
);
const count = async () => {
  const r = await fetch(`${url}/v1/sql`, { method: 'POST', body: JSON.stringify({ query: "SELECT count() c FROM predictions WHERE model = 'bench-prof'" }) });
  return ((await r.json()) as { data: { c: number }[] }).data[0]!.c;
};
while ((await count()) < N) await new Promise((r) => setTimeout(r, 100));
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));

interface Node { id: number; callFrame: { functionName: string; url: string }; children?: number[] }
const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))!;
const prof = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
/** Where a frame's self time counts: the module or subsystem, by the frame's script. */
function bucket(n: Node): string {
  const { url, functionName } = n.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : `native ${functionName || '(anonymous)'}`;
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const rel = url.replace(/^file:\/\/.*?\/(?=(?:bus|sink|storage|core|collector|http|app|plugin)\/)/, '');
  return rel.split('/').slice(0, 2).join('/').replace(/\?.*$/, '');
}
const self = new Map<string, number>();
let total = 0;
prof.samples.forEach((id, i) => {
  const dt = prof.timeDeltas[i] ?? 0;
  total += dt;
  const b = bucket(byId.get(id)!);
  self.set(b, (self.get(b) ?? 0) + dt);
});
const idle = self.get('(idle)') ?? 0;
console.log(`${kafka ? 'Kafka' : 'embedded'} path, ${N} events: main thread busy ${(((total - idle) / total) * 100).toFixed(0)}% of ${(total / 1e6).toFixed(1)} s; self time by place (share of busy time):`);
for (const [b, t] of [...self].filter(([b]) => b !== '(idle)').sort((a, c) => c[1] - a[1]).slice(0, 18)) console.log(`  ${((t / (total - idle)) * 100).toFixed(1).padStart(5)}%  ${b}`);
