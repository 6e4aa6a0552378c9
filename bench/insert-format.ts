// npm run bench:insert-format — which text format the embedded engine parses fastest for prediction
// rows (20 numeric features), and whether bigger inserts help: the same rows, serialised by the
// benchmark (timed apart) and inserted in each format and block size, alternating, two rounds.
// Figures are printed (and go to the notes of bench/RESULTS.md by hand): the choice lives in storage/clickhouse.ts.
import { Readable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { openStore } from '../storage/clickhouse.js';
import { migrate } from '../storage/migrations.js';
import { predictionRow } from '../storage/rows.js';
import { predictionEvent } from '../core/schemas/events.js';
import { validateConfig } from '../app/config.js';
import { eventLines } from './kafka-clients.js';

const N = Number(process.env.BENCH_EVENTS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
type Row = Record<string, unknown>;

const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
/** A map or array as a ClickHouse literal ({'k':v}, ['a']), as TSV, CSV and Values read them. */
function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return q(v);
  if (Array.isArray(v)) return `[${v.map(literal).join(',')}]`;
  return `{${Object.entries(v as object).map(([k, x]) => `${q(k)}:${literal(x)}`).join(',')}}`;
}
const tsvField = (v: unknown) => (v === null || v === undefined ? '\\N' : typeof v === 'object' ? literal(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n') : String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n'));
const csvField = (v: unknown) => (v === null || v === undefined ? '\\N' : typeof v === 'number' ? String(v) : `"${(typeof v === 'object' ? literal(v) : String(v)).replace(/"/g, '""')}"`);

const FORMATS: Record<string, (rows: Row[], cols: string[]) => string> = {
  JSONCompactEachRow: (rows, cols) => rows.map((r) => JSON.stringify(cols.map((c) => r[c] ?? null))).join('\n'),
  JSONEachRow: (rows) => rows.map((r) => JSON.stringify(r)).join('\n'),
  TabSeparated: (rows, cols) => rows.map((r) => cols.map((c) => tsvField(r[c])).join('\t')).join('\n'),
  CSV: (rows, cols) => rows.map((r) => cols.map((c) => csvField(r[c])).join(',')).join('\n'),
  Values: (rows, cols) => rows.map((r) => `(${cols.map((c) => literal(r[c])).join(',')})`).join(','),
};

const dataDir = mkdtempSync(join(tmpdir(), 'mlobs-bench-format-'));
const store = await openStore({ database: 'benchfmt', dataDir });
await migrate(store, validateConfig({}).storage.retentionDays);
await store.close();
const { createChdbConnection } = await import('chdb/connection');
const client = createClient({ connection: createChdbConnection({ path: dataDir }) } as never);

// Rows per CPU-second of this process during the inserts (the engine parses in this process, on its
// own threads): the figure a machine shared with other work distorts least; wall-clock rates beside.
const results: Record<string, { serialise: number[]; insert: number[]; perCore: number[] }> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [format, serialise] of Object.entries(FORMATS)) {
    for (const block of [20_000, 50_000, 100_000]) {
      const tag = `${format}-${block}-${round}`;
      const received = Date.now();
      const rows = eventLines(N, tag).map((l) => predictionRow(predictionEvent.parse(JSON.parse(l)), received) as Row);
      const cols = Object.keys(rows[0]!);
      let ser = 0;
      let ins = 0;
      let cpuUs = 0;
      for (let i = 0; i < rows.length; i += block) {
        const s0 = performance.now();
        const body = serialise(rows.slice(i, i + block), cols);
        const s1 = performance.now();
        const c0 = process.cpuUsage();
        const res = await client.exec({ query: `INSERT INTO benchfmt.predictions (${cols.map((c) => '`' + c + '`').join(', ')}) FORMAT ${format}`, values: Readable.from([body]) });
        res.stream.resume();
        const c1 = process.cpuUsage(c0);
        cpuUs += c1.user + c1.system;
        ins += performance.now() - s1;
        ser += s1 - s0;
      }
      const [{ c, t }] = (await (await client.query({ query: `SELECT count() c, toString(max(ts)) t FROM benchfmt.predictions WHERE model = 'bench-${tag}'`, format: 'JSONEachRow' })).json()) as { c: string; t: string }[];
      if (Number(c) !== N) throw new Error(`${tag}: stored ${c} of ${N} rows`);
      const key = `${format}, ${block.toLocaleString('en-US')} rows per insert`;
      (results[key] ??= { serialise: [], insert: [], perCore: [] }).serialise.push(N / (ser / 1000));
      results[key].insert.push(N / (ins / 1000));
      results[key].perCore.push(N / (cpuUs / 1e6));
      console.log(`${key}: engine ${Math.round(N / (ins / 1000))} rows/s, ${Math.round(N / (cpuUs / 1e6))} rows per CPU-second, serialising ${Math.round(N / (ser / 1000))} rows/s (max ts ${t}, load ${loadavg()[0]!.toFixed(2)})`);
    }
  }
}
await client.close();
const f = (xs: number[]) => xs.map((x) => Math.round(x).toLocaleString('en-US')).join(', ');
console.log('\n| format, rows per insert | engine, rows per CPU-second (each round) | engine insert, rows/s (each round) | serialising in Node, rows/s (each round) |\n|---|---|---|---|');
for (const [k, v] of Object.entries(results)) console.log(`| ${k} | ${f(v.perCore)} | ${v.insert.map((x) => Math.round(x).toLocaleString('en-US')).join(', ')} | ${v.serialise.map((x) => Math.round(x).toLocaleString('en-US')).join(', ')} |`);
