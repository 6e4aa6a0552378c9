import { existsSync } from 'node:fs';
// The read-only ClickHouse-HTTP endpoint, driven by the official client (@clickhouse/client) and by
// plain HTTP as curl sends it, against a real stack on the embedded engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { testStack } from '../../test/helpers/stack.js';
import { makePredictions } from '../../demo/traffic.js';

let stack: Awaited<ReturnType<typeof testStack>>;
let client: ClickHouseClient;
let stored = 0;
const count = async () => Number((await stack.store.query<{ c: string }>(`SELECT count() AS c FROM ${stack.store.database}.predictions FINAL`))[0]!.c);

beforeAll(async () => {
  stack = await testStack();
  const res = await stack.post('/v1/predictions', makePredictions({ count: 200, startMs: Date.now() - 3_600_000, spacingMs: 10_000, seed: 7 }));
  expect(res.status).toBe(202);
  await stack.drain();
  stored = await count();
  client = createClient({ url: stack.url, pathname: '/clickhouse', username: 'grafana', password: 'ignored-without-a-token' });
});
afterAll(async () => {
  await client?.close();
  await stack?.stop();
});

/** Reads one Native block: column names, types and the values of UInt64 and String columns. */
function readNative(buf: Buffer) {
  let o = 0;
  const varint = () => {
    let v = 0, s = 0, b: number;
    do { b = buf[o++]!; v += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80);
    return v;
  };
  const str = () => { const n = varint(); const s = buf.subarray(o, o + n).toString('utf8'); o += n; return s; };
  const cols = varint(), rows = varint();
  const out: { name: string; type: string; values: unknown[] }[] = [];
  for (let c = 0; c < cols; c++) {
    const name = str(), type = str();
    const values: unknown[] = [];
    for (let r = 0; r < rows; r++) {
      if (type === 'UInt64') { values.push(buf.readBigUInt64LE(o)); o += 8; } else if (type === 'String') values.push(str()); else throw new Error(`type ${type} not decoded by this test`);
    }
    out.push({ name, type, values });
  }
  return { rows, columns: out };
}

describe('the ClickHouse-HTTP endpoint answers @clickhouse/client', () => {
  it('answers ping', async () => {
    expect((await client.ping()).success).toBe(true);
  });

  it('returns JSON, JSONEachRow and JSONCompact results that match the store', async () => {
    const q = 'SELECT model, count() AS n FROM predictions FINAL GROUP BY model ORDER BY model';
    const json = (await (await client.query({ query: q, format: 'JSON' })).json()) as { meta: { name: string; type: string }[]; data: { model: string; n: string }[] };
    expect(json.meta.map((m) => m.name)).toEqual(['model', 'n']);
    expect(json.data.map((r) => r.model)).toEqual(['eta-regressor', 'fraud-detector']);
    expect(json.data.reduce((a, r) => a + Number(r.n), 0)).toBe(stored);
    const each = (await (await client.query({ query: q, format: 'JSONEachRow' })).json()) as { model: string; n: string }[];
    expect(each).toEqual(json.data);
    const compact = (await (await client.query({ query: q, format: 'JSONCompact' })).json()) as { data: [string, string][] };
    expect(compact.data.map((r) => r[0])).toEqual(['eta-regressor', 'fraud-detector']);
  });

  it('binds query parameters sent as param_* URL parameters', async () => {
    const rows = (await (await client.query({ query: 'SELECT count() AS n FROM predictions FINAL WHERE model = {m:String}', query_params: { m: 'fraud-detector' }, format: 'JSONEachRow' })).json()) as { n: string }[];
    expect(Number(rows[0]!.n)).toBe(stored / 2);
  });

  it('streams the engine\'s Native bytes for FORMAT Native', async () => {
    const r = await client.exec({ query: "SELECT toUInt64(count()) AS n, 'mlobs' AS s FROM predictions FINAL FORMAT Native" });
    const chunks: Buffer[] = [];
    for await (const c of r.stream) chunks.push(c as Buffer);
    const block = readNative(Buffer.concat(chunks));
    expect(block.rows).toBe(1);
    expect(block.columns).toEqual([{ name: 'n', type: 'UInt64', values: [BigInt(stored)] }, { name: 's', type: 'String', values: ['mlobs'] }]);
  });
});

describe('the ClickHouse-HTTP endpoint answers curl-style requests', () => {
  it('takes the query in the URL (GET) or the body (POST), with default_format', async () => {
    const get = await fetch(`${stack.url}/clickhouse/?query=${encodeURIComponent('SELECT 1 AS one')}`);
    expect(await get.text()).toBe('1\n');
    const post = await fetch(`${stack.url}/clickhouse/?default_format=JSONEachRow`, { method: 'POST', body: 'SELECT 2 AS two' });
    expect(post.headers.get('x-clickhouse-format')).toBe('JSONEachRow');
    expect(await post.json()).toEqual({ two: 2 });
  });

  it('compresses with gzip when asked (enable_http_compression=1, Accept-Encoding: gzip)', async () => {
    const res = await fetch(`${stack.url}/clickhouse/?enable_http_compression=1&query=${encodeURIComponent('SELECT number FROM numbers(1000) FORMAT CSV')}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    // fetch decompresses transparently; the body is the engine's CSV.
    expect((await res.text()).split('\n').length).toBe(1001);
  });
});

describe('the ClickHouse-HTTP endpoint blames the statement, not itself, for what the engine refuses', () => {
  // Found by test/fuzz: these answered 500, as if the endpoint had failed.
  it.each([
    ['an unknown output format', '/clickhouse', 'SELECT 1 FORMAT nan', 73],
    ['a parameter that is not a number', '/clickhouse?param_x=abc', 'SELECT {x:Float64}', 72],
    ['nesting past the parser depth', '/clickhouse', 'SELECT ' + '['.repeat(5000) + '1' + ']'.repeat(5000), 306],
  ])('answers 400 with the engine code for %s', async (_what, path, query, code) => {
    const res = await fetch(stack.url + path, { method: 'POST', body: query });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe(String(code));
  });
});

describe('the ClickHouse-HTTP endpoint refuses to change anything', () => {
  const refused = async (f: () => Promise<unknown>, pattern: RegExp) => {
    await expect(f()).rejects.toThrow(pattern);
    expect(await count()).toBe(stored);
  };

  it('refuses an INSERT sent by the client', async () => {
    await refused(() => client.insert({ table: 'predictions', values: [{ model: 'x', prediction_id: 'evil', ts: '2026-01-01 00:00:00' }], format: 'JSONEachRow' }), /readonly|read-only|refused/i);
  });

  it('refuses DDL and leaves the table in place', async () => {
    await refused(() => client.command({ query: 'DROP TABLE predictions' }), /readonly|refused/i);
    await refused(() => client.command({ query: 'TRUNCATE TABLE predictions' }), /readonly|refused/i);
    await refused(() => client.command({ query: 'ALTER TABLE predictions DELETE WHERE 1' }), /readonly|refused/i);
  });

  it.each([
    ['the file() function', "SELECT file('/etc/hostname')"],
    ['INTO OUTFILE', "SELECT 1 INTO OUTFILE '/tmp/mlobs-chhttp-outfile-probe'"],
    ['USE, which would change the database for every later request', 'USE system'],
    ['KILL QUERY', "KILL QUERY WHERE query_id = 'x'"],
  ])('refuses %s, as /v1/sql does', async (_what, query) => {
    const res = await fetch(`${stack.url}/clickhouse/?query=${encodeURIComponent(query)}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/refused/);
    expect(existsSync('/tmp/mlobs-chhttp-outfile-probe')).toBe(false);
    const db = await fetch(`${stack.url}/clickhouse/?query=${encodeURIComponent('SELECT currentDatabase()')}`);
    expect((await db.text()).trim()).toBe(stack.store.database);
  });

  it('answers each query with its own result after a query failed while writing its output', async () => {
    const failed = await fetch(`${stack.url}/clickhouse/?query=${encodeURIComponent('SELECT number, throwIf(number = 300000) FROM numbers(400000) FORMAT JSONEachRow')}`);
    expect(failed.status).toBe(400);
    const next = await fetch(`${stack.url}/clickhouse/?query=${encodeURIComponent('SELECT 42 AS answer FORMAT JSONEachRow')}`);
    expect(await next.text()).toBe('{"answer":42}\n');
  });

  it('refuses a multi-statement query', async () => {
    await refused(() => client.query({ query: 'SELECT 1; DROP TABLE predictions', format: 'JSON' }), /Multi-statements|Syntax error/i);
  });

  it('refuses SET, SETTINGS readonly=0 and a readonly=0 URL setting', async () => {
    await refused(() => client.command({ query: 'SET readonly = 0' }), /readonly|refused/i);
    await refused(() => client.query({ query: 'SELECT count() FROM predictions SETTINGS readonly = 0', format: 'JSON' }), /readonly|refused/i);
    await refused(() => client.query({ query: 'SELECT 1', format: 'JSON', clickhouse_settings: { readonly: '0' } }), /Cannot modify 'readonly'/);
    await refused(() => client.query({ query: 'SELECT 1', format: 'JSON', clickhouse_settings: { max_threads: 1 } }), /Cannot modify 'max_threads' setting in readonly mode/);
    // The refusals left the session read-only: a write still fails afterwards.
    await refused(() => client.command({ query: 'CREATE TABLE evil (x UInt8) ENGINE = Memory' }), /readonly|refused/i);
  });
});
