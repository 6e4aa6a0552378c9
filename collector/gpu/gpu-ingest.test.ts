import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testStack } from '../../test/helpers/stack.js';
import { startFakeDcgm } from '../../demo/fake-dcgm.js';

const SAMPLE = readFileSync(new URL('./testdata/dcgm-exporter.txt', import.meta.url), 'utf8');

let broken: { url: string; close: () => void };
let dcgm: Awaited<ReturnType<typeof startFakeDcgm>>;
let s: Awaited<ReturnType<typeof testStack>>;

beforeAll(async () => {
  dcgm = await startFakeDcgm(0);
  const srv = createServer((_req, res) => res.end('# TYPE x gauge\nx{a="1"} 1\nx{a="unterminated} 2\n'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  broken = { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/metrics`, close: () => srv.close() };
  s = await testStack({
    collectors: { dcgm: { targets: [dcgm.url, broken.url, 'http://127.0.0.1:9/metrics'], scrapeIntervalMs: 500, scrapeTimeoutMs: 400 } },
  });
});
afterAll(async () => {
  await s?.stop();
  await dcgm?.close();
  broken?.close();
});

describe('POST /v1/gpu/metrics (push mode)', () => {
  it('stores every sample of a DCGM exposition with its labels, and a blank reading as missing', async () => {
    const res = await s.post('/v1/gpu/metrics', SAMPLE, { 'content-type': 'text/plain' });
    expect(res.status).toBe(202);
    const { accepted } = (await res.json()) as { accepted: number };
    expect(accepted).toBe(24);
    await s.drain();
    const rows = await s.sql(`SELECT count() c, countIf(value IS NULL) blanks, uniqExact(uuid, gpu_i_id) gpus FROM gpu_samples FINAL WHERE source = 'push'`);
    expect(rows).toEqual([{ c: 24, blanks: 1, gpus: expect.any(Number) }]);
    const blank = await s.sql(`SELECT metric, hostname, pod FROM gpu_samples FINAL WHERE source = 'push' AND value IS NULL`);
    expect(blank).toEqual([{ metric: 'DCGM_FI_DEV_MEMORY_TEMP', hostname: 'gpu-node-a1', pod: '' }]);
    const mig = await s.sql(`SELECT DISTINCT gpu_i_profile, gpu_i_id FROM gpu_samples FINAL WHERE source = 'push' AND gpu_i_id != '' ORDER BY gpu_i_id`);
    expect(mig.length).toBeGreaterThan(0);
    const util = await s.sql(`SELECT value, namespace, pod, container, model_name, labels['DCGM_FI_DRIVER_VERSION'] drv FROM gpu_samples FINAL WHERE source = 'push' AND metric = 'DCGM_FI_DEV_SM_CLOCK' AND gpu = '0' AND hostname = 'gpu-node-a1'`);
    expect(util).toEqual([{ value: 1980, namespace: 'team-vision', pod: 'resnet-train-7d9f8-0', container: 'trainer', model_name: 'NVIDIA H100 80GB HBM3', drv: '550.54.15' }]);
  });

  it("uses a sample's own timestamp as its time", async () => {
    const t = Date.now() - 3_600_000 + 123;
    const text = `# TYPE DCGM_FI_DEV_GPU_UTIL gauge\nDCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-ts",Hostname="h"} 42 ${t}\n`;
    expect((await s.post('/v1/gpu/metrics', text)).status).toBe(202);
    await s.drain();
    expect(await s.sql(`SELECT toUnixTimestamp64Milli(ts) t, value FROM gpu_samples FINAL WHERE uuid = 'GPU-ts'`)).toEqual([{ t, value: 42 }]);
  });

  it('refuses samples older than the retention instead of letting the TTL delete them unseen', async () => {
    const old = Date.now() - 400 * 86_400_000;
    const res = await s.post('/v1/gpu/metrics', `# TYPE DCGM_FI_DEV_GPU_UTIL gauge\nDCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-old"} 1 ${old}\n`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ accepted: 0, rejected: 1, error: expect.stringMatching(/older than the GPU sample retention/) });
  });

  it('answers 400 naming the line of a malformed exposition and keeps it as a dead letter', async () => {
    const res = await s.post('/v1/gpu/metrics', '# TYPE a gauge\na 1\na{b="c"} notanumber\n');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; reason: string };
    expect(body.reason).toBe('bad_exposition');
    expect(body.error).toMatch(/line 3/);
    await s.drain();
    const dl = await s.sql(`SELECT kind, reason FROM dead_letters FINAL WHERE source = 'http:gpu_push'`);
    expect(dl).toEqual([{ kind: 'gpu_sample', reason: 'bad_exposition' }]);
  });
});

describe('DCGM scraper', () => {
  it('scrapes a DCGM exporter endpoint on its interval', async () => {
    const rows = await eventually(
      () => s.sql(`SELECT count() c, uniqExact(uuid) gpus FROM gpu_samples FINAL WHERE source = {u:String}`, { u: dcgm.url }),
      (r) => r[0]!.c >= 55,
    );
    expect(rows[0]!.gpus).toBe(5);
  });

  it('counts a malformed scrape and an unreachable target as scrape errors and keeps running', async () => {
    const text = await eventually(
      async () => (await fetch(s.url + '/metrics')).text(),
      (t) => /mlobs_scrape_errors_total\{target="http:\/\/127\.0\.0\.1:9\/metrics",reason="connection_failed"\} [1-9]/.test(t) && t.includes('reason="bad_exposition"'),
    );
    expect(text).toMatch(new RegExp(`mlobs_scrape_up\\{target="${dcgm.url.replace(/[.\/]/g, '\\$&')}"\\} 1`));
    expect(text).toMatch(new RegExp(`mlobs_scrape_errors_total\\{target="${broken.url.replace(/[.\/]/g, '\\$&')}",reason="bad_exposition"\\} [1-9]`));
    expect(text).toMatch(/mlobs_scrape_up\{target="http:\/\/127\.0\.0\.1:9\/metrics"\} 0/);
  });
});
