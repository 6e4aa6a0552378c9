import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../test/helpers/stack.js';

// POST /v1/sql on the embedded engine, end to end: the probes of issue 9 that are not already in
// collector/http/ingest.test.ts (writes, DDL, multi-statements, SETTINGS readonly = 0 are there),
// plus what readonly = 1 alone lets through on the embedded engine (see storage/read-guard.ts).

let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  s = await testStack();
});
afterAll(async () => s?.stop());

const target = () => join(s.dataDir, 'written-by-sql.txt');
const refused = async (query: string) => {
  const res = await s.post('/v1/sql', { query });
  const body = (await res.json()) as { error: string; reason: string };
  return { status: res.status, ...body };
};

describe('POST /v1/sql on the embedded engine', () => {
  it.each([
    ['a file read through file()', () => "SELECT * FROM file('/etc/passwd', 'LineAsString')"],
    ['a file write through INSERT INTO FUNCTION file()', () => `INSERT INTO FUNCTION file('${target()}', 'CSV', 'x UInt8') VALUES (1)`],
    ['the network through url()', () => "SELECT * FROM url('http://127.0.0.1:1/x.csv', 'CSV', 'x UInt8')"],
    ['the network through remote()', () => "SELECT * FROM remote('127.0.0.1:1', system.one)"],
    ['the network through s3()', () => "SELECT * FROM s3('http://127.0.0.1:1/bucket-name/k.csv', 'CSV', 'x UInt8')"],
    ['a process through executable()', () => "SELECT * FROM executable('id', 'TSV', 'x String')"],
    ['lifting max_result_rows inline', () => 'SELECT count() FROM predictions SETTINGS max_result_rows = 0'],
    ['lifting max_execution_time inline', () => 'SELECT count() FROM predictions SETTINGS max_execution_time = 0'],
    ['SET readonly = 0', () => 'SET readonly = 0'],
    ['a file read through the file() function', () => "SELECT file('/etc/passwd') AS f"],
    ['a file read through the file() function inside a lambda', () => "SELECT arrayMap(p -> file(p), ['/etc/hostname']) AS f"],
    ['a file write through INTO OUTFILE', () => `SELECT 1 INTO OUTFILE '${target()}'`],
    ['KILL QUERY, which readonly = 1 allows', () => 'KILL QUERY WHERE 1'],
    ['USE, which would change the database of every later query', () => 'USE system'],
  ])('refuses %s with 400 and changes nothing', async (_what, query) => {
    const r = await refused(query());
    expect(r, r.error).toMatchObject({ status: 400, reason: 'bad_query' });
    expect(existsSync(target())).toBe(false);
    expect(await s.sql('SELECT currentDatabase() AS db')).toEqual([{ db: 'mlobs' }]);
  });

  it('names what it refuses', async () => {
    expect((await refused("SELECT file('/etc/passwd')")).error).toMatch(/file\(\) function/);
    expect((await refused(`SELECT 1 INTO OUTFILE '${target()}'`)).error).toMatch(/INTO OUTFILE/);
    expect((await refused('USE system')).error).toMatch(/only SELECT, SHOW, DESCRIBE, EXISTS and EXPLAIN/);
  });

  it('still answers reads that only mention those words', async () => {
    const rows = await s.sql("SELECT 'x\nINTO OUTFILE y' AS a, 'file(1)' AS b, 1 AS file");
    expect(rows).toEqual([{ a: 'x\nINTO OUTFILE y', b: 'file(1)', file: 1 }]);
    expect(await s.sql('SHOW TABLES')).toContainEqual({ name: 'predictions' });
    expect(await s.sql('EXISTS TABLE predictions')).toEqual([{ result: 1 }]);
    expect((await s.sql('DESCRIBE TABLE labels')).length).toBeGreaterThan(0);
  });
});
