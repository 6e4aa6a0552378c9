// The command line as a user runs it: real processes, real exit codes and messages.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnMlobs, waitReady } from './helpers/process.js';

const exit = (child: ReturnType<typeof spawnMlobs>) => new Promise<number>((r) => child.once('exit', (code) => r(code ?? -1)));
const dir = mkdtempSync(join(tmpdir(), 'mlobs-cli-'));

describe('mlobs up', () => {
  it('stops with exit code 2 and names the bad key of a config file', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'collectors:\n  dcgm:\n    scrapeIntervall: 15s\n');
    const child = spawnMlobs(['up', '--config', file, '--data-dir', join(dir, 'd1')], {});
    expect(await exit(child)).toBe(2);
    expect(child.output()).toMatch(/collectors\.dcgm\.scrapeIntervall: Unrecognized key/);
  });

  it('says clearly when the configured ClickHouse server cannot be reached', async () => {
    const child = spawnMlobs(['up', '--port', '0'], { CLICKHOUSE_URL: 'http://127.0.0.1:1' });
    expect(await exit(child)).toBe(1);
    expect(child.output()).toMatch(/cannot create database mlobs.*(ECONNREFUSED|connect)/s);
  });

  it('refuses an unknown flag by name', async () => {
    const child = spawnMlobs(['up', '--prot', '1'], {});
    expect(await exit(child)).toBe(2);
    expect(child.output()).toMatch(/--prot/);
  });
});

describe('a running stack', () => {
  let port: number;
  let child: ReturnType<typeof spawnMlobs>;
  const dataDir = join(dir, 'running');
  beforeAll(async () => {
    port = await freePort();
    child = spawnMlobs(['up', '--port', String(port), '--data-dir', dataDir], {});
    await waitReady(`http://127.0.0.1:${port}/readyz`, child);
  });
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('answers mlobs sql over its HTTP API', async () => {
    const sql = spawnMlobs(['sql', '--url', `http://127.0.0.1:${port}`, '--format', 'json', '--param', 'n=41', 'SELECT {n:UInt8} + 1 AS answer'], {});
    expect(await exit(sql)).toBe(0);
    expect(JSON.parse(sql.output())).toEqual([{ answer: 42 }]);
  });

  it('keeps a second process off its data directory', async () => {
    const second = spawnMlobs(['up', '--port', '0', '--data-dir', dataDir], {});
    expect(await exit(second)).toBe(2);
    expect(second.output()).toMatch(/in use by process \d+.*HTTP API/s);
  });
});
