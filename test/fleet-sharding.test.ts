// Three `mlobs up --roles scrape` processes on a broker of this file's own share 30 fake exporters by
// rendezvous hashing over their group's live members. The exporters count the scrapes they receive;
// each scraper's own mlobs_scrapes_total says which of them made each scrape.
// Broker port: MLOBS_FLEET_KAFKA_PORT (e.g. one started with deploy/kafka/kafka.sh --dir tmp/kafka-PORT), or a free one.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, waitUntil } from './helpers/eventually.js';
import { startOwnKafka } from './helpers/own-kafka.js';
import { freePort, spawnMlobs, waitReady } from './helpers/process.js';

const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const INTERVAL_MS = 5_000;
const SESSION_MS = 6_000;
const EXPORTERS = 30;
const dir = mkdtempSync(join(tmpdir(), 'mlobs-shard-'));

type Proc = ReturnType<typeof spawnMlobs> & { url: string; name: string };
let broker: Awaited<ReturnType<typeof startOwnKafka>>;
const exporters: { url: string; hits: number[]; server: Server }[] = [];
const procs: Proc[] = [];
let configFile = '';

function exposition(i: number): string {
  return [
    '# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).',
    '# TYPE DCGM_FI_DEV_GPU_UTIL gauge',
    `DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-shard-${i}",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node-${i}"} 42`,
    '',
  ].join('\n');
}

async function startExporter(i: number) {
  const hits: number[] = [];
  const server = createServer((req, res) => {
    hits.push(Date.now());
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition(i));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  exporters.push({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, hits, server });
}

async function startScraper(name: string): Promise<Proc> {
  const port = await freePort();
  const child = spawnMlobs(['up', '--roles', 'scrape', '--config', configFile, '--port', String(port)], {
    KAFKA_BROKERS: broker.brokers,
    MLOBS_KAFKA_TOPIC_PREFIX: `shard${RUN}.`,
    MLOBS_DCGM_TARGETS: exporters.map((e) => e.url).join(','),
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  });
  const p = Object.assign(child, { url: `http://127.0.0.1:${port}`, name });
  procs.push(p);
  await waitReady(`${p.url}/healthz`, child, 120_000);
  return p;
}

const alive = () => procs.filter((p) => p.exitCode === null && p.signalCode === null);
async function groupSize(p: Proc): Promise<number> {
  const r = await fetch(`${p.url}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
  return ((await r?.json().catch(() => null)) as any)?.roles?.scrape?.members ?? -1;
}
/** Successful scrapes per target made by one scraper, from its own counters. */
async function scrapesBy(p: Proc): Promise<Map<string, number>> {
  const text = await (await fetch(`${p.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^mlobs_scrapes_total\{target="([^"]+)",outcome="success"\} (\d+)/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/**
 * Watches a quiet period: waits until every exporter was scraped at least twice after it began, then
 * says which scrapers scraped each target during it (from their counters) and how often each exporter
 * was hit. A target scraped by two processes shows up with two scrapers, and with twice the hits.
 */
async function observe(scrapers: Proc[]): Promise<{ owners: Map<string, string[]>; hits: Map<string, number>; ms: number }> {
  const before = await Promise.all(scrapers.map(scrapesBy));
  const from = Date.now();
  await waitUntil(() => exporters.every((e) => e.hits.filter((t) => t >= from).length >= 2), { timeoutMs: 6 * INTERVAL_MS, intervalMs: 100, what: 'every exporter scraped twice' });
  const after = await Promise.all(scrapers.map(scrapesBy));
  const ms = Date.now() - from;
  const owners = new Map(exporters.map((e) => [e.url, scrapers.filter((_, i) => (after[i]!.get(e.url) ?? 0) > (before[i]!.get(e.url) ?? 0)).map((p) => p.name)]));
  const hits = new Map(exporters.map((e) => [e.url, e.hits.filter((t) => t >= from).length]));
  return { owners, hits, ms };
}

function expectOneScraperEach(o: Awaited<ReturnType<typeof observe>>) {
  const shared = [...o.owners].filter(([, who]) => who.length !== 1);
  expect(shared, 'targets scraped by other than exactly one scraper').toEqual([]);
  // One scraper per target: about one hit per interval (two scrapers would double it).
  const most = Math.max(...o.hits.values());
  expect(most).toBeLessThanOrEqual(Math.floor(o.ms / INTERVAL_MS) + 2);
}

beforeAll(async () => {
  broker = await startOwnKafka('MLOBS_FLEET_KAFKA_PORT');
  for (let i = 0; i < EXPORTERS; i++) await startExporter(i);
  configFile = join(dir, 'mlobs.yaml');
  writeFileSync(configFile, `collectors: { dcgm: { scrapeIntervalMs: ${INTERVAL_MS}, scrapeTimeoutMs: 2s } }\nfleet: { sessionTimeoutMs: ${SESSION_MS}, heartbeatIntervalMs: 500ms, leaseMarginMs: 2s }\n`);
  await Promise.all(['s0', 's1', 's2'].map(startScraper));
}, 300_000);

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const e of exporters) e.server.close();
  await broker?.stop();
}, 120_000);

describe('scrape sharding over three scrapers', () => {
  it('scrapes each exporter by exactly one scraper, moves a killed scraper\'s targets within two intervals, and rebalances when it is back', async () => {
    const waitGroup = (n: number) =>
      eventually(() => Promise.all(alive().map(groupSize)), (sizes) => sizes.length === n && sizes.every((s) => s === n), { timeoutMs: 60_000, intervalMs: 200, what: `all ${n} scrapers see a group of ${n}` });
    await waitGroup(3);
    const steady = await observe(alive());
    expectOneScraperEach(steady);
    const shareOf = (name: string, o: typeof steady) => [...o.owners].filter(([, who]) => who[0] === name).map(([url]) => url);
    for (const p of alive()) expect(shareOf(p.name, steady).length, `${p.name}'s share`).toBeGreaterThan(0);

    // Kill one: the group notices after its session timeout, the others take its targets over.
    const victim = alive()[1]!;
    const orphans = shareOf(victim.name, steady);
    const killedAt = Date.now();
    victim.kill('SIGKILL');
    const moved = await eventually(
      () => orphans.map((url) => exporters.find((e) => e.url === url)!.hits.find((t) => t > killedAt + 200)),
      (firsts) => firsts.every((t) => t !== undefined),
      { timeoutMs: 6 * INTERVAL_MS, intervalMs: 100, what: `the killed scraper's ${orphans.length} targets scraped again` },
    );
    const moveMs = Math.max(...moved.map((t) => t! - killedAt));
    console.log(`sharding: ${orphans.length} of ${EXPORTERS} targets moved ${moveMs} ms after SIGKILL of their scraper (interval ${INTERVAL_MS} ms, session ${SESSION_MS} ms)`);
    expect(moveMs).toBeLessThanOrEqual(2 * INTERVAL_MS);
    await waitGroup(2);
    expectOneScraperEach(await observe(alive()));

    // Back again (a new process): it takes a share, each target still has one scraper.
    const back = await startScraper('s1-again');
    const joinedAt = Date.now();
    await waitGroup(3);
    const rebalanced = await observe(alive());
    expectOneScraperEach(rebalanced);
    const taken = shareOf(back.name, rebalanced);
    expect(taken.length).toBeGreaterThan(0);
    const firstByNew = Math.min(...taken.map((url) => exporters.find((e) => e.url === url)!.hits.find((t) => t >= joinedAt) ?? Infinity));
    console.log(`sharding: the returning scraper took ${taken.length} targets; first scrape ${firstByNew - joinedAt} ms after it was up`);
  }, 180_000);
});
