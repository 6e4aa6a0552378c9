// Compressed request bodies at the stack's endpoints: a gzip bomb is refused without being inflated,
// a corrupt stream is named, and honest gzip works everywhere bodies are read.
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../test/helpers/stack.js';

const KiB = 1024;
const MiB = 1024 * KiB;
let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  s = await testStack({ server: { maxBodyBytes: 256 * KiB, maxDecompressedBodyBytes: 1 * MiB } });
});
afterAll(async () => s?.stop());

// Peak RSS of this process (the stack runs in it). Linux lets a process reset its own high-water
// mark (clear_refs 5), so the peak measured is that of the request alone, not of the start-up.
const status = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))![1]) * KiB;
const resetPeakRss = () => writeFileSync('/proc/self/clear_refs', '5');

// 8 gzip members of 16 MiB of zeros each: about 130 KiB on the wire, 128 MiB once inflated.
// Concatenated members are one valid gzip stream (RFC 1952), which keeps building it cheap.
const member = gzipSync(Buffer.alloc(16 * MiB), { level: 9 });
const bomb = Buffer.concat(Array.from({ length: 8 }, () => member));

const gzipPost = (path: string, body: Buffer, headers: Record<string, string> = {}) => s.post(path, body, { 'content-encoding': 'gzip', ...headers });

describe('a gzip bomb', () => {
  it('is small on the wire and large inflated', () => {
    expect(bomb.length).toBeLessThan(256 * KiB);
    expect(bomb.length).toBeGreaterThan(64 * KiB);
  });

  it.each([
    ['/clickhouse', 'Code: 36. DB::Exception: request body inflates past the limit of 1048576 bytes'],
    ['/v1/predictions', 'request body inflates past the limit of 1048576 bytes'],
  ])('is refused with 413 on %s without being inflated whole', async (path, message) => {
    const rssBefore = status('VmRSS');
    resetPeakRss();
    const res = await gzipPost(path, bomb);
    const peak = status('VmHWM');
    expect(res.status).toBe(413);
    expect(await res.text()).toContain(message);
    // Inflating it whole would take at least 128 MiB more; streaming stops at the 1 MiB cap.
    expect(peak - rssBefore).toBeLessThan(48 * MiB);
  });
});

describe('a corrupt gzip body', () => {
  const corrupt = () => {
    const b = Buffer.from(gzipSync(JSON.stringify([{ model: 'gz', prediction_id: 'c1', timestamp: Date.now() - 1000, prediction: 1 }])));
    b[b.length - 6]! ^= 0xff; // the CRC no longer matches
    return b;
  };

  it('is answered 400 naming the problem on ingest', async () => {
    const res = await gzipPost('/v1/predictions', corrupt());
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ reason: 'bad_encoding', error: expect.stringMatching(/request body is not valid gzip: incorrect data check/) });
  });

  it('is answered 400 naming the problem on /clickhouse', async () => {
    const res = await gzipPost('/clickhouse', corrupt());
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/request body is not valid gzip/);
  });

  it('is answered 400 naming the problem on silences', async () => {
    const res = await gzipPost('/v1/silences', corrupt());
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ reason: 'bad_encoding' });
  });
});

describe('an honest gzip body', () => {
  it('is ingested like a plain one', async () => {
    const events = [{ model: 'gz-model', prediction_id: 'g1', timestamp: Date.now() - 1000, prediction: 1 }];
    const res = await gzipPost('/v1/predictions', gzipSync(JSON.stringify(events)));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: [] });
  });

  it('carries a query to /clickhouse and /v1/sql', async () => {
    const ch = await gzipPost('/clickhouse', gzipSync('SELECT 40 + 2'), { 'content-type': 'text/plain' });
    expect(ch.status).toBe(200);
    expect((await ch.text()).trim()).toBe('42');
    const sql = await gzipPost('/v1/sql', gzipSync(JSON.stringify({ query: 'SELECT 40 + 2 AS n' })));
    expect(sql.status).toBe(200);
    expect(await sql.json()).toMatchObject({ data: [{ n: 42 }] });
  });

  it('is refused with 413 on a small-body endpoint once it inflates past that endpoint\'s cap', async () => {
    const res = await gzipPost('/v1/sql', gzipSync(JSON.stringify({ query: `SELECT '${'a'.repeat(2 * MiB)}'` })));
    expect(res.status).toBe(413);
  });
});
