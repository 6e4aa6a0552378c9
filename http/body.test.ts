// The one body reader: both caps, gzip/deflate streamed, clear errors; and a check that no endpoint
// reads bodies any other way.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlobsError } from '../core/errors.js';
import { readBody, type BodyLimits } from './body.js';
import { isTestSupport } from '../test/architecture/layers.js';

let server: Server;
let port = 0;
let limits: BodyLimits = { maxBytes: 1024, maxDecompressedBytes: 4096 };

// Answers 200 with the decoded body, or the reader's error as {status, reason, error}.
beforeAll(async () => {
  server = createServer(async (req, res) => {
    try {
      // Path /snappy: the caller undoes `snappy` itself (remote write), so the reader passes it through.
      const body = await readBody(req, limits, req.url === '/snappy' ? { passThrough: ['snappy'] } : {});
      res.writeHead(200).end(body);
    } catch (e) {
      const err = e as MlobsError;
      res.writeHead(err.reason === 'body_too_large' ? 413 : 400, { 'content-type': 'application/json' }).end(JSON.stringify({ reason: err.reason, error: err.message }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Sends `chunks` (chunked, so no Content-Length unless given) and returns status and body. */
function send(chunks: Buffer[], headers: Record<string, string> = {}, path = '/'): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers: { connection: 'close', ...headers } }, (res) => {
      const got: Buffer[] = [];
      res.on('data', (c: Buffer) => got.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(got) }));
    });
    // The server may answer and close before the whole upload is written; that is the point.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    for (const c of chunks) req.write(c);
    req.end();
  });
}
const json = (b: Buffer) => JSON.parse(b.toString('utf8')) as { reason: string; error: string };

describe('readBody', () => {
  it('returns a plain body as sent', async () => {
    limits = { maxBytes: 1024, maxDecompressedBytes: 4096 };
    const r = await send([Buffer.from('hello '), Buffer.from('world')]);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('hello world');
  });

  it('passes a body whose encoding its caller undoes itself through as sent, under the wire cap, and refuses that encoding elsewhere', async () => {
    limits = { maxBytes: 1024, maxDecompressedBytes: 4096 };
    const framed = Buffer.from([0x05, 0x10, 0x68, 0x65, 0x6c, 0x6c, 0x6f]); // snappy block "hello": not for the reader to undo
    const r = await send([framed], { 'content-encoding': 'snappy' }, '/snappy');
    expect(r.status).toBe(200);
    expect(r.body.equals(framed)).toBe(true);
    expect((await send([Buffer.alloc(2048)], { 'content-encoding': 'snappy' }, '/snappy')).status).toBe(413);
    expect((await send([framed], { 'content-encoding': 'snappy' })).status).toBe(400);
  });

  it('inflates gzip and deflate bodies', async () => {
    limits = { maxBytes: 1024, maxDecompressedBytes: 4096 };
    const text = 'x'.repeat(3000);
    const gz = await send([gzipSync(text)], { 'content-encoding': 'gzip' });
    expect(gz.status).toBe(200);
    expect(gz.body.toString()).toBe(text);
    const df = await send([deflateSync(text)], { 'content-encoding': 'Deflate' });
    expect(df.status).toBe(200);
    expect(df.body.toString()).toBe(text);
  });

  it('refuses a body past the wire cap, declared or streamed', async () => {
    limits = { maxBytes: 1024, maxDecompressedBytes: 4096 };
    const declared = await send([Buffer.alloc(2000, 97)], { 'content-length': '2000' });
    expect(declared.status).toBe(413);
    expect(json(declared.body).error).toMatch(/2000 bytes exceeds the limit of 1024/);
    const streamed = await send([Buffer.alloc(600, 97), Buffer.alloc(600, 97)]);
    expect(streamed.status).toBe(413);
    expect(json(streamed.body).reason).toBe('body_too_large');
  });

  it('refuses a gzip body that inflates past the decompressed cap although it is small on the wire', async () => {
    limits = { maxBytes: 1024, maxDecompressedBytes: 4096 };
    const bomb = gzipSync(Buffer.alloc(512 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(1024);
    const r = await send([bomb], { 'content-encoding': 'gzip' });
    expect(r.status).toBe(413);
    expect(json(r.body)).toMatchObject({ reason: 'body_too_large', error: expect.stringMatching(/inflates past the limit of 4096 bytes/) });
  });

  it('answers a corrupt or truncated gzip stream with bad_encoding naming the problem', async () => {
    limits = { maxBytes: 4096, maxDecompressedBytes: 8192 };
    const good = gzipSync('{"model":"m"}'.repeat(20));
    const corrupt = Buffer.from(good);
    corrupt[good.length - 6]! ^= 0xff; // the CRC no longer matches
    const bad = await send([corrupt], { 'content-encoding': 'gzip' });
    expect(bad.status).toBe(400);
    expect(json(bad.body)).toMatchObject({ reason: 'bad_encoding', error: expect.stringMatching(/not valid gzip/) });
    const truncated = await send([good.subarray(0, good.length - 10)], { 'content-encoding': 'gzip' });
    expect(truncated.status).toBe(400);
    expect(json(truncated.body)).toMatchObject({ reason: 'bad_encoding', error: expect.stringMatching(/not valid gzip: unexpected end of file/) });
  });

  it('refuses an encoding it does not support by name', async () => {
    limits = { maxBytes: 1024, maxDecompressedBytes: 4096 };
    const r = await send([Buffer.from('abc')], { 'content-encoding': 'br' });
    expect(r.status).toBe(400);
    expect(json(r.body)).toMatchObject({ reason: 'bad_encoding', error: expect.stringMatching(/Content-Encoding "br" is not supported/) });
  });
});

// Every endpoint, present and future, must read its body through readBody, so that both caps hold
// everywhere. This looks through the product's sources for the other ways of reading one.
describe('the body reader is the only one', () => {
  const root = join(import.meta.dirname, '..');
  // The reader itself; test support (local receivers that tests and benchmarks run) is not the stack.
  const allowed = (rel: string) => rel === 'http/body.ts' || isTestSupport(rel);
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
      const p = join(dir, d.name);
      if (d.isDirectory()) return ['node_modules', 'test', 'deploy', '.git', 'data'].includes(d.name) || d.name.startsWith('.') ? [] : sources(p);
      return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [p] : [];
    });
  const otherReaders = [
    /express\.(json|raw|text|urlencoded)\s*\(/,
    /body-?parser/i,
    /\b(gunzip|inflate|inflateRaw|unzip|brotliDecompress)(Sync)?\s*\(/,
    /\bcreate(Gunzip|Inflate|InflateRaw|Unzip|BrotliDecompress)\s*\(/,
    /\breq(uest)?\s*\.\s*(on|once)\(\s*['"]data['"]/,
    /\bfor\s+await\s*\(\s*const\s+\w+\s+of\s+req(uest)?\b/,
    /\breq(uest)?\s*\.\s*pipe\(/,
  ];

  it('finds sources to look at', () => {
    expect(sources(root).length).toBeGreaterThan(50);
  });

  it('finds no other way of reading a request body in the product', () => {
    const offenders = sources(root)
      .map((p) => relative(root, p))
      .filter((rel) => !allowed(rel))
      .flatMap((rel) => {
        const text = readFileSync(join(root, rel), 'utf8');
        return otherReaders.filter((re) => re.test(text)).map((re) => `${rel}: ${re}`);
      });
    expect(offenders).toEqual([]);
  });
});
