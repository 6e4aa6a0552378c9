/**
 * The real thing: Debian's Prometheus 2.42 (the `prometheus` package that test/run.sh installs for
 * promtool) scrapes the demo's fake dcgm-exporter every second and remote_writes to `mlobs up` with
 * basic auth. What mlobs stores in gpu_samples must equal what Prometheus stored in its own TSDB
 * (read back through its query API), sample for sample, also across a 20 s outage of mlobs during
 * which Prometheus keeps scraping and then replays its WAL: nothing missing, nothing doubled.
 * Prometheus listens on loopback only and keeps its TSDB in a temp dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDcgm } from '../demo/fake-dcgm.js';
import { eventually } from './helpers/eventually.js';
import { freePort, spawnMlobs, waitReady } from './helpers/process.js';

const TOKEN = 'remote-write-e2e-token';
const OUTAGE_MS = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'mlobs-prom-rw-'));
let mlobs: ReturnType<typeof spawnMlobs> | undefined;
let prometheus: (ChildProcess & { output: () => string }) | undefined;
let exporter: Awaited<ReturnType<typeof startFakeDcgm>> | undefined;
let mlobsPort = 0;
let promUrl = '';
const mlobsUrl = () => `http://127.0.0.1:${mlobsPort}`;

async function sql(query: string): Promise<Record<string, any>[]> {
  const res = await fetch(`${mlobsUrl()}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { data: Record<string, any>[]; error?: string };
  if (!res.ok) throw new Error(`SQL failed: ${body.error}`);
  return body.data;
}

async function startMlobs(): Promise<void> {
  mlobs = spawnMlobs(['up', '--port', String(mlobsPort), '--data-dir', join(dir, 'mlobs-data')], { MLOBS_AUTH_TOKEN: TOKEN, MLOBS_LOG_LEVEL: 'warn' });
  await waitReady(`${mlobsUrl()}/readyz`, mlobs, 90_000);
}

async function stopMlobs(): Promise<void> {
  const child = mlobs;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Prometheus's instant query API; a range selector such as x[1h] answers its raw stored samples. */
async function promQuery(query: string): Promise<{ metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { status: string; data: { result: any[] }; error?: string };
  if (body.status !== 'success') throw new Error(`Prometheus query ${query} failed: ${body.error}`);
  return body.data.result;
}

type Row = string; // "metric|uuid|gpu_i_id|ts|value", value null for a DCGM blank
/** Every DCGM sample Prometheus holds for the fake exporter, in the shape of a gpu_samples row. */
async function prometheusRows(): Promise<Row[]> {
  const series = await promQuery('{__name__=~"DCGM_FI_.+",job="dcgm"}[1h]');
  // The fake exporter's only blank is its int64 sentinel, which Prometheus keeps as ~9.22e18.
  return series.flatMap((s) => (s.values ?? []).map(([t, v]) => `${s.metric.__name__}|${s.metric.UUID}|${s.metric.GPU_I_ID ?? ''}|${Math.round(t * 1000)}|${Number(v) > 9.2e18 ? 'null' : Number(v)}`)).sort();
}
async function mlobsRows(): Promise<{ rows: Row[]; unmerged: number }> {
  const rows = await sql(`SELECT metric, uuid, gpu_i_id, toUnixTimestamp64Milli(ts) AS t, value FROM gpu_samples FINAL WHERE source LIKE 'remote_write:%'`);
  // Without FINAL: rows not yet merged away. A retried batch may be here twice until a merge; FINAL is the stored truth.
  const [raw] = await sql(`SELECT count() AS n FROM gpu_samples WHERE source LIKE 'remote_write:%'`);
  return { rows: rows.map((r) => `${r.metric}|${r.uuid}|${r.gpu_i_id}|${Number(r.t)}|${r.value === null ? 'null' : Number(r.value)}`).sort(), unmerged: Number(raw!.n) };
}

beforeAll(async () => {
  exporter = await startFakeDcgm();
  mlobsPort = await freePort();
  await startMlobs();
  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, [
    'global: { scrape_interval: 1s, scrape_timeout: 900ms }',
    'scrape_configs:',
    `  - { job_name: dcgm, static_configs: [ { targets: ["${new URL(exporter.url).host}"] } ] }`,
    'remote_write:',
    `  - url: ${mlobsUrl()}/api/v1/write`,
    `    basic_auth: { username: prometheus, password: ${TOKEN} }`,
    // Short waits so the test runs in seconds; retries back off up to 2 s while mlobs is down.
    '    queue_config: { batch_send_deadline: 500ms, min_backoff: 100ms, max_backoff: 2s }',
    '    metadata_config: { send: true, send_interval: 1s }',
  ].join('\n'));
  prometheus = Object.assign(
    spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'prom-data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] }),
    { output: () => promOut },
  );
  let promOut = '';
  prometheus.stdout!.on('data', (d) => (promOut += d));
  prometheus.stderr!.on('data', (d) => (promOut += d));
  await waitReady(`${promUrl}/-/ready`, prometheus, 60_000);
}, 180_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus!.once('exit', r));
    prometheus.kill('SIGTERM');
    await exited;
  }
  await stopMlobs();
  await exporter?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Prometheus 2.42 remote_write into mlobs up', () => {
  it('stores in gpu_samples exactly the DCGM samples Prometheus stored, across a 20 s outage of mlobs replayed from its WAL', async () => {
    // Some scrapes through a running mlobs first.
    await eventually(() => sql(`SELECT uniqExact(ts) AS n FROM gpu_samples WHERE source LIKE 'remote_write:%'`), (r) => Number(r[0]!.n) >= 5, { timeoutMs: 90_000, intervalMs: 500, what: 'five scrapes remote-written to mlobs' });

    await stopMlobs();
    const downAt = Date.now();
    // Prometheus keeps scraping while mlobs is down: wait until its TSDB holds a scrape 20 s later.
    await eventually(() => promQuery('max(timestamp(DCGM_FI_DEV_GPU_UTIL{job="dcgm"}))'), (r) => Number(r[0]?.value?.[1] ?? 0) * 1000 >= downAt + OUTAGE_MS, { timeoutMs: 120_000, intervalMs: 500, what: 'Prometheus scraping through the outage' });
    await startMlobs();
    const upAt = Date.now();

    // A few scrapes after the restart, then the exporter goes away (Prometheus writes stale markers,
    // which are no readings), so the set of samples stops growing and can be compared whole.
    await eventually(() => promQuery('max(timestamp(DCGM_FI_DEV_GPU_UTIL{job="dcgm"}))'), (r) => Number(r[0]?.value?.[1] ?? 0) * 1000 >= upAt + 3_000, { timeoutMs: 60_000, intervalMs: 500, what: 'scrapes after the restart' });
    await exporter!.close();
    exporter = undefined;
    await eventually(() => promQuery('up{job="dcgm"}'), (r) => r[0]?.value?.[1] === '0', { timeoutMs: 60_000, intervalMs: 500, what: 'the exporter seen down' });

    const want = await prometheusRows();
    const got = await eventually(mlobsRows, (g) => g.rows.length >= want.length, { timeoutMs: 120_000, intervalMs: 1000, what: `mlobs catching up to Prometheus's ${want.length} samples` });
    // Same series, timestamps and values: nothing missing, nothing extra, nothing doubled.
    expect(got.rows.length).toBe(want.length);
    expect(got.rows).toEqual(want);
    expect(new Set(got.rows).size).toBe(got.rows.length);

    // The outage is really in there: samples scraped while mlobs was down arrived through the WAL replay.
    const during = got.rows.filter((r) => { const t = Number(r.split('|')[3]); return t > downAt + 1_000 && t < downAt + OUTAGE_MS; });
    const series = new Set(want.map((r) => r.split('|').slice(0, 3).join('|'))).size;
    expect(during.length).toBeGreaterThanOrEqual(series * 15);
    expect(series).toBe(55); // 11 fields x 5 GPUs of the fake fleet
    console.log(`prometheus remote_write: ${want.length} samples of ${series} series compared; ${during.length} scraped during the ${OUTAGE_MS / 1000} s outage; rows before merge ${got.unmerged}`);

    // Identity columns came through the normaliser: the MIG instance and the blank sentinel as NULL.
    const [mig] = await sql(`SELECT hostname, gpu_i_profile, namespace, pod, labels FROM gpu_samples FINAL WHERE source LIKE 'remote_write:%' AND uuid = 'GPU-demo-0005' LIMIT 1`);
    expect(mig).toEqual({ hostname: 'gpu-node-b1', gpu_i_profile: '3g.40gb', namespace: 'team-eta', pod: 'eta-batch-0', labels: { DCGM_FI_DRIVER_VERSION: '550.54.15' } });
    // Its type comes from Prometheus's metadata, sent every second here: known by the last scrape.
    const [types] = await sql(`SELECT argMax(metric_type, ts) AS t FROM gpu_samples FINAL WHERE source LIKE 'remote_write:%' AND metric = 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION'`);
    expect(types!.t).toBe('counter');
  }, 400_000);
});
