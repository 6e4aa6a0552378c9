import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from './clickhouse.js';
import { READER_PROFILE, type ReaderProfile } from './reader-settings.js';
import type { Store } from './store.js';

// A recording fake of a ClickHouse server's HTTP interface: it records every request and
// follows the server's rules for settings sent in the URL (see reader-settings.ts): all are
// checked against the user's profile before any is applied, a value equal to the one in force
// is not checked, and at readonly = 1 any other change is refused with code 164 (READONLY).

/** URL parameters the server does not treat as settings (HTTPHandler's reserved names, database, default_format, param_*). */
const RESERVED = new Set(['query', 'compress', 'decompress', 'user', 'password', 'quota_key', 'query_id', 'stacktrace', 'buffer_size', 'wait_end_of_query', 'session_id', 'session_timeout', 'session_check', 'client_protocol_version', 'close_session', 'database', 'default_format']);

interface Recorded {
  user: string;
  settings: [string, string][];
  query: string;
}

async function fakeClickHouse(profiles: Record<string, ReaderProfile>) {
  const requests: Recorded[] = [];
  const refusals: string[] = [];
  const answer = (res: ServerResponse, status: number, body: string, code?: number) => {
    if (code) res.setHeader('X-ClickHouse-Exception-Code', String(code));
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=UTF-8' }).end(body);
  };
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/ping') return answer(res, 200, 'Ok.\n');
    let body = '';
    for await (const chunk of req) body += chunk;
    const user = Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':')[0] ?? '';
    const settings = [...url.searchParams].filter(([k]) => !RESERVED.has(k) && !k.startsWith('param_'));
    const query = (url.searchParams.get('query') ?? '') + body;
    requests.push({ user, settings, query });
    const profile = profiles[user] ?? { readonly: '0', max_execution_time: '0', max_result_rows: '0', result_overflow_mode: 'throw' };
    for (const [k, v] of settings) {
      const current = (profile as unknown as Record<string, string>)[k];
      if (current === v) continue;
      if (profile.readonly === '1' || (profile.readonly === '2' && k === 'readonly')) {
        const msg = `Code: 164. DB::Exception: Cannot modify '${k}' setting in readonly mode. (READONLY) (version 25.8.1.1)\n`;
        refusals.push(msg);
        return answer(res, 500, msg, 164);
      }
    }
    if (query.includes("getSetting('readonly')")) {
      const effective = { ...profile, ...Object.fromEntries(settings) };
      return answer(res, 200, JSON.stringify(effective) + '\n');
    }
    if (query.startsWith('SELECT formatQuery(')) return answer(res, 200, JSON.stringify({ f: url.searchParams.get('param_q') }) + '\n');
    if (query.startsWith('EXPLAIN AST ')) return answer(res, 200, query.includes('USE ') ? 'UseQuery system (children 1)\n Identifier system\n' : 'SelectWithUnionQuery (children 1)\n');
    if (query.startsWith('CREATE DATABASE')) return answer(res, 200, '');
    return answer(res, 200, JSON.stringify({ meta: [{ name: 'x', type: 'UInt8' }], data: [{ x: 1 }], rows: 1 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, refusals, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const asText = (p: Record<string, string | number>) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)])) as unknown as ReaderProfile;
const NOT_READONLY = { readonly: '0', max_execution_time: '0', max_result_rows: '0', result_overflow_mode: 'throw' };

let fake: Awaited<ReturnType<typeof fakeClickHouse>> | undefined;
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  await fake?.close();
  store = fake = undefined;
});

const open = (f: typeof fake) =>
  openStore({ url: f!.url, username: 'mlobs_writer', password: 'w', readerUsername: 'mlobs_reader', readerPassword: 'r', database: 'mlobs', dataDir: '/nonexistent' });

describe('the read-only client against a ClickHouse server', () => {
  it('sends readonly=1 and no other setting when the reader user has the mlobs_reader profile', async () => {
    fake = await fakeClickHouse({ mlobs_reader: asText(READER_PROFILE) });
    store = await open(fake);
    const r = await store.readOnlyQuery('SELECT {a:UInt8} AS x', { a: 1 });
    expect(r.data).toEqual([{ x: 1 }]);
    const reads = fake.requests.filter((q) => q.user === 'mlobs_reader');
    // The first asks the profile with nothing sent; every later one carries readonly=1 alone.
    expect(reads[0]!.settings).toEqual([]);
    expect(reads.length).toBeGreaterThanOrEqual(5);
    for (const q of reads.slice(1)) expect(q.settings, q.query).toEqual([['readonly', '1']]);
    expect(fake.refusals).toEqual([]);
  });

  it('sends the read limits, then readonly=1 last, when the reader user has no read-only profile', async () => {
    fake = await fakeClickHouse({ mlobs_reader: NOT_READONLY });
    store = await open(fake);
    await store.readOnlyQuery('SELECT 1 AS x');
    const reads = fake.requests.filter((q) => q.user === 'mlobs_reader').slice(1);
    expect(reads.length).toBeGreaterThanOrEqual(4);
    for (const q of reads) {
      expect(q.settings, q.query).toEqual([['max_execution_time', '60'], ['max_result_rows', '1000000'], ['result_overflow_mode', 'throw'], ['readonly', '1']]);
    }
  });

  it('uses the writer credentials with the same settings when no reader user is configured', async () => {
    fake = await fakeClickHouse({});
    store = await openStore({ url: fake.url, username: 'mlobs', password: 'p', database: 'mlobs', dataDir: '/nonexistent' });
    await store.readOnlyQuery('SELECT 1 AS x');
    const last = fake.requests.at(-1)!;
    expect(last.user).toBe('mlobs');
    expect(last.settings.at(-1)).toEqual(['readonly', '1']);
    // The writer's own statements are not made read-only.
    expect(fake.requests.find((q) => q.query.startsWith('CREATE DATABASE'))!.settings).toEqual([]);
  });

  it('refuses to open with a reader user at readonly = 2, which runs table functions', async () => {
    fake = await fakeClickHouse({ mlobs_reader: { ...asText(READER_PROFILE), readonly: '2' } });
    await expect(open(fake)).rejects.toMatchObject({ reason: 'bad_config', message: expect.stringMatching(/readonly = 2.*mlobs_reader/) });
  });

  it('refuses to open when the read-only reader profile has no read limits', async () => {
    fake = await fakeClickHouse({ mlobs_reader: { ...asText(READER_PROFILE), max_result_rows: '0' } });
    await expect(open(fake)).rejects.toMatchObject({ reason: 'bad_config', message: expect.stringMatching(/no read limit max_result_rows.*mlobs_reader/) });
  });

  it('refuses a statement that readonly = 1 would let through before sending it', async () => {
    fake = await fakeClickHouse({ mlobs_reader: asText(READER_PROFILE) });
    store = await open(fake);
    await expect(store.readOnlyQuery('USE system')).rejects.toMatchObject({ reason: 'bad_query', retryable: false, message: expect.stringMatching(/UseQuery/) });
    expect(fake.requests.filter((q) => q.query.startsWith('USE'))).toEqual([]);
  });
});
