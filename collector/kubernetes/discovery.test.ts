import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { createMetrics } from '../../core/metrics.js';
import { validateConfig } from '../../core/config.js';
import type { Bus, OutgoingMessage } from '../../bus/bus.js';
import { DeadLetterQueue } from '../../bus/dead-letters.js';
import { LocalLease, LocalMembership } from '../../bus/memory-lease.js';
import { eventually, waitUntil } from '../../test/helpers/eventually.js';
import { DcgmScraper } from '../gpu/scraper.js';
import { KubernetesDiscovery, loadKubeConfig } from './discovery.js';
import { startFakeKubernetesApi, type FakeKubernetesApi } from './testing/fake-api.js';

const data = (name: string) => JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8')) as object;
const LIST = data('endpointslices-list.json');
const RELIST = data('endpointslices-relist.json');
const EVENTS = data('endpointslices-watch.json') as object[];
const EXPIRED = data('watch-expired.json');
const TOKEN = 'test-service-account-token';
const IPS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.9'];

/** One fake dcgm-exporter per pod address, all on one port as a DaemonSet's pods are; each counts its scrapes. */
async function startExporters(): Promise<{ port: number; hits: Map<string, number>; close: () => Promise<void> }> {
  for (let attempt = 0; ; attempt++) {
    const hits = new Map(IPS.map((ip) => [ip, 0]));
    const servers: Server[] = [];
    const listen = (ip: string, port: number) =>
      new Promise<Server>((resolve, reject) => {
        const s = createServer((_req, res) => {
          hits.set(ip, hits.get(ip)! + 1);
          // An exporter that does not know its node reports its pod's name as Hostname.
          res.end(`# TYPE DCGM_FI_DEV_GPU_UTIL gauge\nDCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-${ip}",Hostname="nvidia-dcgm-exporter-pod"} 42\n`);
        });
        s.once('error', reject);
        s.listen(port, ip, () => resolve(s));
      });
    try {
      const first = await listen(IPS[0]!, 0);
      servers.push(first);
      const port = (first.address() as AddressInfo).port;
      for (const ip of IPS.slice(1)) servers.push(await listen(ip, port));
      return { port, hits, close: async () => void (await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))) };
    } catch (e) {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      if (attempt >= 5) throw e;
    }
  }
}

/** Keeps what the scraper publishes: the gpu_sample events, with the target each came from. */
function captureBus(): Bus & { events: { source: string; hostname: string; labels: Record<string, string> }[] } {
  const events: { source: string; hostname: string; labels: Record<string, string> }[] = [];
  return {
    kind: 'memory',
    events,
    publish: async (_topic: string, messages: OutgoingMessage[]) => {
      for (const m of messages) events.push(JSON.parse(String(m.value)));
    },
    consume: async () => ({ lag: () => 0, stop: async () => {} }),
    health: () => ({ up: true }),
    ensureTopics: async () => {},
    lease: async (name: string) => new LocalLease(name),
    membership: async () => new LocalMembership(),
    close: async () => {},
  };
}

const warnings: string[] = [];
const logger: Logger = { info() {}, warn: (msg: string, f?: object) => void (warnings.push(msg), process.env.DEBUG_K8S && console.log(msg, f)), error() {} };

let api: FakeKubernetesApi;
let exporters: Awaited<ReturnType<typeof startExporters>>;
let discovery: KubernetesDiscovery;
let scraper: DcgmScraper;
const bus = captureBus();
const registry = new Registry();

beforeAll(async () => {
  exporters = await startExporters();
  // The recorded slices name the exporter's usual port 9400; the fakes listen where the OS let them.
  api = await startFakeKubernetesApi({ token: TOKEN, rewrite: (s) => s.replaceAll('"port":9400', `"port":${exporters.port}`) });
  api.queueLists(LIST);
  const dir = mkdtempSync(join(tmpdir(), 'mlobs-kubeconfig-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: ${api.url}\n    insecure-skip-tls-verify: true\nusers:\n- name: mlobs\n  user:\n    token: ${TOKEN}\ncontexts:\n- name: test\n  context:\n    cluster: test\n    user: mlobs\ncurrent-context: test\n`,
  );
  const options = validateConfig({ collectors: { dcgm: { kubernetes: { namespace: 'gpu-operator', labelSelector: 'app=nvidia-dcgm-exporter', port: 'gpu-metrics' } } } }).collectors.dcgm.kubernetes!;
  discovery = new KubernetesDiscovery({ ...options, backoffInitialMs: 50, backoffMaxMs: 200 }, { kubeConfig: loadKubeConfig({ KUBECONFIG: kubeconfig }, dir), logger });
  const metrics = createMetrics(registry);
  scraper = new DcgmScraper(
    { targets: [], scrapeIntervalMs: 200, scrapeTimeoutMs: 200, topicPrefix: 'mlobs.' },
    { bus, deadLetters: new DeadLetterQueue(bus, 'mlobs.dead-letters', metrics), metrics, logger, now: Date.now, discovered: discovery },
  );
  discovery.start();
  scraper.start();
});

afterAll(async () => {
  await scraper?.stop();
  await discovery?.stop();
  await api?.close();
  await exporters?.close();
});

const node = (url: string) => new URL(url).hostname;

/**
 * Waits until discovery holds exactly `expected` (pod address → node), then until every expected
 * exporter has been scraped twice since, and checks that no other exporter was scraped meanwhile
 * and that every sample carries its pod's node as host.
 */
async function expectScraped(expected: Record<string, string>): Promise<void> {
  const want = Object.entries(expected).map(([ip, n]) => `${ip} ${n}`).sort();
  await eventually(() => discovery.targets().map((t) => `${node(t.url)} ${t.hostname}`).sort(), (v) => JSON.stringify(v) === JSON.stringify(want), { what: `targets ${want.join(', ')}` });
  const reset = () => {
    for (const ip of IPS) exporters.hits.set(ip, 0);
    bus.events.length = 0;
  };
  // Once every expected exporter has been scraped after a reset, scrapes begun before the change are over.
  reset();
  await waitUntil(() => Object.keys(expected).every((ip) => exporters.hits.get(ip)! >= 1), { what: 'a full round of scrapes' });
  reset();
  await waitUntil(() => Object.keys(expected).every((ip) => exporters.hits.get(ip)! >= 2), { what: `scrapes of ${Object.keys(expected).join(', ')}` });
  const scraped = IPS.filter((ip) => exporters.hits.get(ip)! > 0);
  expect(scraped.sort()).toEqual(Object.keys(expected).sort());
  const hosts = new Map(bus.events.map((e) => [node(e.source), e.hostname]));
  expect(Object.fromEntries(hosts)).toEqual(Object.fromEntries(Object.entries(expected).filter(([ip]) => hosts.has(ip))));
  expect(hosts.size).toBeGreaterThan(0);
  // The exporter's own Hostname (its pod name) differs from the node: it is kept among the labels.
  expect(bus.events.every((e) => e.labels.Hostname === 'nvidia-dcgm-exporter-pod')).toBe(true);
  // Gauges of pods that went away are dropped, not left reporting their last value.
  const up = (await registry.getSingleMetric('mlobs_scrape_up')!.get()).values.map((v) => node(String(v.labels.target)));
  expect(up.sort()).toEqual(Object.keys(expected).sort());
}

describe('Kubernetes discovery of dcgm-exporter pods', () => {
  it('lists the EndpointSlices with the kubeconfig token and scrapes each ready pod directly, its node as the host', async () => {
    await expectScraped({ '127.0.0.2': 'gpu-node-1', '127.0.0.3': 'gpu-node-2' });
    const list = api.requests.find((r) => !r.watch)!;
    expect(list.url.pathname).toBe('/apis/discovery.k8s.io/v1/namespaces/gpu-operator/endpointslices');
    expect(list.url.searchParams.get('labelSelector')).toBe('app=nvidia-dcgm-exporter');
    expect(api.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    const watch = await eventually(() => api.requests.find((r) => r.watch), Boolean, { what: 'a watch request' });
    expect(watch!.url.searchParams.get('resourceVersion')).toBe('1000');
  });

  it('follows the watch as pods come, go and change address, and as a second slice appears and is deleted', async () => {
    await waitUntil(() => api.openWatches() === 1, { what: 'an open watch' });
    const steps: Record<string, string>[] = [
      { '127.0.0.2': 'gpu-node-1', '127.0.0.3': 'gpu-node-2', '127.0.0.4': 'gpu-node-3' }, // a pod on gpu-node-3 comes
      { '127.0.0.3': 'gpu-node-2', '127.0.0.4': 'gpu-node-3' }, // the pod on gpu-node-1 goes
      { '127.0.0.4': 'gpu-node-3', '127.0.0.5': 'gpu-node-2' }, // gpu-node-2's pod is replaced at a new address
      { '127.0.0.4': 'gpu-node-3', '127.0.0.5': 'gpu-node-2', '127.0.0.6': 'gpu-node-4' }, // a second slice is added
      { '127.0.0.4': 'gpu-node-3', '127.0.0.5': 'gpu-node-2' }, // and deleted
    ];
    for (const [i, expected] of steps.entries()) {
      api.send(EVENTS[i]!);
      await expectScraped(expected);
    }
  });

  it('resumes a watch the server ended from the last resourceVersion seen, without listing again', async () => {
    const lists = api.requests.filter((r) => !r.watch).length;
    const watches = api.requests.filter((r) => r.watch).length;
    api.send(EVENTS[5]!); // a bookmark at 1006
    await waitUntil(() => api.openWatches() === 1);
    // The bookmark carries no change; wait until the client has read it by ending the watch after it arrived.
    await new Promise((r) => setImmediate(r));
    api.endWatches();
    const resumed = await eventually(() => api.requests.filter((r) => r.watch).slice(watches), (w) => w.length > 0, { what: 'a resumed watch' });
    expect(['1005', '1006']).toContain(resumed[0]!.url.searchParams.get('resourceVersion'));
    expect(api.requests.filter((r) => !r.watch).length).toBe(lists);
    await expectScraped({ '127.0.0.4': 'gpu-node-3', '127.0.0.5': 'gpu-node-2' });
  });

  it('lists again when the watch expires, backs off while listing fails, and keeps scraping the last known pods meanwhile', async () => {
    await waitUntil(() => api.openWatches() === 1, { what: 'an open watch' });
    const lists = api.requests.filter((r) => !r.watch).length;
    const warned = warnings.length;
    api.queueLists(500, 500, RELIST);
    api.send(EXPIRED);
    api.endWatches();
    await waitUntil(() => warnings.length >= warned + 2, { what: 'two failed lists' });
    expect(discovery.targets().map((t) => node(t.url))).toEqual(['127.0.0.4', '127.0.0.5']);
    await expectScraped({ '127.0.0.2': 'gpu-node-1', '127.0.0.5': 'gpu-node-2' });
    expect(api.requests.filter((r) => !r.watch).length).toBe(lists + 3);
    const last = await eventually(() => api.requests.filter((r) => r.watch).at(-1)!, (w) => w.url.searchParams.get('resourceVersion') === '2000', { what: 'a watch from the new list' });
    expect(last.watch).toBe(true);
  });
});

describe('Kubernetes discovery against a missing API server', () => {
  it('retries with backoff without throwing and stops cleanly', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const dir = mkdtempSync(join(tmpdir(), 'mlobs-kubeconfig-'));
    writeFileSync(join(dir, 'config'), `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true }\nusers:\n- name: u\n  user: { token: t }\ncontexts:\n- name: c\n  context: { cluster: c, user: u }\ncurrent-context: c\n`);
    const seen: string[] = [];
    const d = new KubernetesDiscovery(
      { namespace: 'gpu-operator', port: 9400, path: '/metrics', backoffInitialMs: 20, backoffMaxMs: 40 },
      { kubeConfig: loadKubeConfig({ KUBECONFIG: join(dir, 'config') }, dir), logger: { info() {}, error() {}, warn: (m) => void seen.push(m) } },
    );
    d.start();
    await waitUntil(() => seen.length >= 3, { what: 'three failed attempts' });
    await d.stop();
    expect(d.targets()).toEqual([]);
    expect(d.hasSynced()).toBe(false);
  });
});

describe('Kubernetes discovery configuration', () => {
  it('refuses to start without a kubeconfig or a service account, naming both ways', () => {
    const home = mkdtempSync(join(tmpdir(), 'mlobs-home-'));
    expect(() => loadKubeConfig({}, home)).toThrow(ConfigError);
    expect(() => loadKubeConfig({}, home)).toThrow(/inside the cluster.*KUBECONFIG/);
  });

  it('names a bad namespace or port in the config', () => {
    expect(() => validateConfig({ collectors: { dcgm: { kubernetes: { namespace: 'GPU_Operator' } } } })).toThrow(/collectors\.dcgm\.kubernetes\.namespace/);
    expect(() => validateConfig({ collectors: { dcgm: { kubernetes: { namespace: 'gpu-operator', port: 70000 } } } })).toThrow(/collectors\.dcgm\.kubernetes\.port/);
    expect(validateConfig({ collectors: { dcgm: { kubernetes: { namespace: 'gpu-operator' } } } }).collectors.dcgm.kubernetes).toEqual({ namespace: 'gpu-operator', port: 9400, path: '/metrics' });
  });
});
