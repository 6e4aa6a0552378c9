import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READER_PROFILE, READ_LIMITS, readerRequestSettings, type ReaderProfile } from './reader-settings.js';

// The settings the server-mode reader sends (server-reader.test.ts records them), applied to a
// real engine session the way a server applies them: the user's profile at login, then the
// request's URL settings. The probes from issue 9 must all be refused there, and change nothing.

const dir = mkdtempSync(join(tmpdir(), 'mlobs-ro-engine-'));
const written = join(dir, 'written.csv');
let writer: ClickHouseClient;
const text = (p: Record<string, string | number>) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)])) as unknown as ReaderProfile;

/** A session as the server would hold it for one request of the reader user with this profile. */
async function readerSession(profile: Record<string, string | number>): Promise<ClickHouseClient> {
  const { createChdbConnection } = await import('chdb/connection');
  const c = createClient({ connection: createChdbConnection({ path: dir }) } as never);
  await c.command({ query: 'USE mlobs' });
  // The profile at login: applied unchecked, readonly last so the limits can still be set.
  const { readonly, ...rest } = profile;
  for (const [k, v] of Object.entries(rest)) await c.command({ query: `SET ${k} = '${v}'` });
  await c.command({ query: `SET readonly = ${readonly}` });
  // Then the request's own settings, exactly those the store sends, in their order.
  for (const [k, v] of Object.entries(readerRequestSettings('mlobs_reader', text(profile)))) await c.command({ query: `SET ${k} = '${v}'` });
  return c;
}

beforeAll(async () => {
  const { createChdbConnection } = await import('chdb/connection');
  writer = createClient({ connection: createChdbConnection({ path: dir }) } as never);
  await writer.command({ query: 'CREATE DATABASE IF NOT EXISTS mlobs' });
  await writer.command({ query: 'CREATE TABLE mlobs.t (x UInt32) ENGINE = MergeTree ORDER BY x' });
  await writer.command({ query: 'INSERT INTO mlobs.t VALUES (1), (2)' });
});
afterAll(async () => writer?.close());

const PROBES: [string, string, RegExp][] = [
  ['a file read through file()', "SELECT * FROM file('/etc/passwd', 'LineAsString')", /readonly/i],
  ['a file write through INSERT INTO FUNCTION file()', `INSERT INTO FUNCTION file('${written}', 'CSV', 'x UInt8') VALUES (1)`, /readonly/i],
  ['the network through url()', "SELECT * FROM url('http://127.0.0.1:1/x.csv', 'CSV', 'x UInt8')", /readonly/i],
  ['the network through remote()', "SELECT * FROM remote('127.0.0.1:1', system.one)", /readonly/i],
  ['the network through s3()', "SELECT * FROM s3('http://127.0.0.1:1/bucket-name/k.csv', 'CSV', 'x UInt8')", /readonly/i],
  ['a process through executable()', "SELECT * FROM executable('id', 'TSV', 'x String')", /readonly/i],
  ['lifting max_result_rows inline', 'SELECT x FROM t SETTINGS max_result_rows = 0', /Cannot modify 'max_result_rows' setting in readonly mode/],
  ['lifting max_execution_time inline', 'SELECT x FROM t SETTINGS max_execution_time = 0', /Cannot modify 'max_execution_time' setting in readonly mode/],
  ['SET readonly = 0', 'SET readonly = 0', /Cannot modify 'readonly' setting in readonly mode/],
  ['DDL', 'CREATE TABLE u (x UInt8) ENGINE = Memory', /readonly/i],
  ['an INSERT', 'INSERT INTO t VALUES (3)', /readonly/i],
  // A server refuses multi-statements over HTTP outright; the engine runs them one by one, so the second is what must fail.
  ['the write in a multi-statement', 'SELECT 1; DROP TABLE t', /readonly/i],
];

describe.each([
  ['the mlobs_reader profile (readonly = 1 with limits)', READER_PROFILE],
  ['a profile that is not read-only', { readonly: 0, max_execution_time: 0, max_result_rows: 0, result_overflow_mode: 'throw' }],
])('an engine session with the reader settings over %s', (_what, profile) => {
  let reader: ClickHouseClient;
  beforeAll(async () => {
    reader = await readerSession(profile);
  });
  afterAll(async () => reader?.close());

  it('runs at readonly = 1 under the read limits', async () => {
    const rows = await (await reader.query({ query: "SELECT getSetting('readonly') r, getSetting('max_execution_time') t, getSetting('max_result_rows') n, getSetting('result_overflow_mode') m", format: 'JSONEachRow' })).json();
    const [row] = rows as { r: number; t: number; n: number | string; m: string }[];
    expect({ ...row, n: Number(row!.n) }).toEqual({ r: 1, t: READ_LIMITS.max_execution_time, n: READ_LIMITS.max_result_rows, m: READ_LIMITS.result_overflow_mode });
  });

  it.each(PROBES)('refuses %s', async (_name, sql, why) => {
    await expect(reader.command({ query: sql })).rejects.toThrow(why);
  });

  it('still reads, and nothing above changed anything', async () => {
    // A fresh session: the engine leaves the output of a refused multi-statement's first part behind.
    const fresh = await readerSession(profile);
    expect(await (await fresh.query({ query: 'SELECT x FROM t ORDER BY x', format: 'JSONEachRow' })).json()).toEqual([{ x: 1 }, { x: 2 }]);
    expect(await (await writer.query({ query: "SELECT name FROM system.tables WHERE database = 'mlobs'", format: 'JSONEachRow' })).json()).toEqual([{ name: 't' }]);
    expect(existsSync(written)).toBe(false);
    await fresh.close();
  });
});

describe('the deploy files', () => {
  it('give the reader user the profile the proof above applies, with every value const', () => {
    const xml = readFileSync(new URL('../deploy/clickhouse/users.d/mlobs.xml', import.meta.url), 'utf8');
    const profile = /<profiles>[\s\S]*?<mlobs_reader>([\s\S]*?)<\/mlobs_reader>/.exec(xml)![1]!;
    const [values, constraints] = profile.split('<constraints>') as [string, string];
    for (const [k, v] of Object.entries(READER_PROFILE)) {
      expect(values).toContain(`<${k}>${v}</${k}>`);
      expect(constraints).toContain(`<${k}><const/></${k}>`);
    }
    expect(/<users>[\s\S]*<mlobs_reader>[\s\S]*?<profile>mlobs_reader<\/profile>[\s\S]*?<query>GRANT SELECT, SHOW ON mlobs\.\*<\/query>/.test(xml)).toBe(true);
  });
});
