import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopback, loadConfig, validateConfig } from './config.js';
import { parseDurationMs } from './duration.js';

const yamlFile = (text: string) => {
  const f = join(mkdtempSync(join(tmpdir(), 'mlobs-cfg-')), 'mlobs.yaml');
  writeFileSync(f, text);
  return f;
};

describe('config', () => {
  it('runs on embedded defaults when nothing is configured', () => {
    const c = loadConfig({ env: {} });
    expect(c.storage.url).toBeUndefined();
    expect(c.kafka.brokers).toEqual([]);
    expect(c.server).toMatchObject({ host: '127.0.0.1', port: 8080 });
  });

  it('names every bad key of a YAML file', () => {
    const f = yamlFile('server:\n  prot: 1\nsink:\n  batchMaxWaitMs: soon\ncollectors:\n  dcgm:\n    targets: [ftp://x]\n');
    expect(() => loadConfig({ file: f })).toThrow(/server\.prot: Unrecognized key[\s\S]*sink\.batchMaxWaitMs: not a duration[\s\S]*collectors\.dcgm\.targets\.0/);
  });

  it('says when the file is not YAML or cannot be read', () => {
    expect(() => loadConfig({ file: yamlFile('a: [1,\n') })).toThrow(/not valid YAML/);
    expect(() => loadConfig({ file: '/nonexistent/mlobs.yaml' })).toThrow(/cannot read config file/);
  });

  it('lets environment override the file and flags override both', () => {
    const f = yamlFile('server:\n  port: 7000\nstorage:\n  dataDir: /tmp/a\n');
    const c = loadConfig({ file: f, env: { MLOBS_PORT: '7100', KAFKA_BROKERS: 'k1:9092, k2:9092', CLICKHOUSE_URL: 'http://ch:8123', MLOBS_DCGM_TARGETS: 'http://n1:9400/metrics,http://n2:9400/metrics' }, flags: { port: 7200 } });
    expect(c.server.port).toBe(7200);
    expect(c.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(c.storage.url).toBe('http://ch:8123');
    expect(c.collectors.dcgm.targets).toHaveLength(2);
    expect(c.storage.dataDir).toBe('/tmp/a');
  });

  it('takes a separate read-only ClickHouse user from the environment', () => {
    const c = loadConfig({ env: { CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_USER: 'mlobs_writer', CLICKHOUSE_READER_USER: 'mlobs_reader', CLICKHOUSE_READER_PASSWORD: 'r' } });
    expect(c.storage).toMatchObject({ username: 'mlobs_writer', readerUsername: 'mlobs_reader', readerPassword: 'r' });
    expect(loadConfig({ env: {} }).storage.readerUsername).toBeUndefined();
  });

  it('refuses to listen beyond loopback without a bearer token', () => {
    expect(() => loadConfig({ env: { MLOBS_HOST: '0.0.0.0' } })).toThrow(/authToken/);
    expect(loadConfig({ env: { MLOBS_HOST: '0.0.0.0', MLOBS_AUTH_TOKEN: 'a-long-enough-token' } }).server.host).toBe('0.0.0.0');
  });

  it('requires the token for a host name that merely starts with 127.', () => {
    expect(() => loadConfig({ env: { MLOBS_HOST: '127.example.com' } })).toThrow(/server\.host is 127\.example\.com[\s\S]*authToken/);
  });

  it('checks the body caps and the slow-client limits of the server section', () => {
    const d = validateConfig({}).server;
    expect(d).toMatchObject({ maxBodyBytes: 16 * 1024 * 1024, maxDecompressedBodyBytes: 64 * 1024 * 1024, requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 65_000, maxConnections: 1024 });
    expect(validateConfig({ server: { requestTimeoutMs: '1m', headersTimeoutMs: '5s', maxConnections: 10 } }).server).toMatchObject({ requestTimeoutMs: 60_000, headersTimeoutMs: 5000, maxConnections: 10 });
    expect(() => validateConfig({ server: { maxBodyBytes: 2048, maxDecompressedBodyBytes: 1024 } })).toThrow(/server\.maxDecompressedBodyBytes: must be at least server\.maxBodyBytes/);
    expect(() => validateConfig({ server: { requestTimeoutMs: '5s', headersTimeoutMs: '10s' } })).toThrow(/server\.headersTimeoutMs: must not exceed server\.requestTimeoutMs/);
    expect(() => validateConfig({ server: { maxConnections: 0 } })).toThrow(/server\.maxConnections/);
    expect(() => validateConfig({ server: { requestTimeoutMs: 0 } })).toThrow(/server\.requestTimeoutMs: must be a positive duration/);
    expect(() => validateConfig({ server: { maxDecompressedBodyBytes: -1 } })).toThrow(/server\.maxDecompressedBodyBytes/);
  });

  it('refuses a retention long enough to overflow the TTL arithmetic', () => {
    expect(() => validateConfig({ storage: { retentionDays: { gpuSamples: 36_500 } } })).toThrow(/storage\.retentionDays\.gpuSamples: at most 7300 days/);
  });

  it('rejects a non-numeric MLOBS_PORT by name', () => {
    expect(() => loadConfig({ env: { MLOBS_PORT: 'eighty' } })).toThrow(/MLOBS_PORT/);
  });

  it('accepts durations as text and checks the scrape timeout against the interval', () => {
    expect(validateConfig({ collectors: { dcgm: { scrapeIntervalMs: '30s', scrapeTimeoutMs: '10s' } } }).collectors.dcgm).toMatchObject({ scrapeIntervalMs: 30_000, scrapeTimeoutMs: 10_000 });
    expect(() => validateConfig({ collectors: { dcgm: { scrapeIntervalMs: '5s', scrapeTimeoutMs: '10s' } } })).toThrow(/scrapeTimeoutMs: must not exceed/);
  });
});

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true], ['127.255.255.254', true], ['127.1.2.3', true], ['localhost', true], ['LOCALHOST', true],
    ['::1', true], ['[::1]', true], ['0:0:0:0:0:0:0:1', true], ['::ffff:127.0.0.1', true], ['::ffff:7f00:1', true],
    ['127.example.com', false], ['127.0.0.1.nip.io', false], ['localhost.example.com', false], ['127', false], ['127.1', false],
    ['0.0.0.0', false], ['::', false], ['10.0.0.1', false], ['128.0.0.1', false], ['::ffff:10.0.0.1', false], ['::2', false],
    ['fe80::1', false], ['', false], ['example.com', false],
  ])('says %j is loopback: %s', (host, loopback) => expect(isLoopback(host)).toBe(loopback));
});

describe('parseDurationMs', () => {
  it.each([
    ['500ms', 500], ['15s', 15_000], ['1h30m', 5_400_000], ['2d', 172_800_000], ['250', 250], [42, 42],
  ])('reads %s as %d ms', (input, ms) => expect(parseDurationMs(input)).toBe(ms));
  it.each(['', 'soon', '5 s', '-1s', '1x'])('refuses %j', (input) => expect(parseDurationMs(input)).toBeNull());

  it('bounds a Kafka publish at 5 s unless told otherwise, and refuses a bound that is zero or minutes long', () => {
    expect(validateConfig({}).kafka.publishTimeoutMs).toBe(5_000);
    expect(validateConfig({ kafka: { publishTimeoutMs: '1500ms' } }).kafka.publishTimeoutMs).toBe(1_500);
    expect(() => validateConfig({ kafka: { publishTimeoutMs: 0 } })).toThrow(/kafka\.publishTimeoutMs: must be a positive duration/);
    expect(() => validateConfig({ kafka: { publishTimeoutMs: '10m' } })).toThrow(/kafka\.publishTimeoutMs: at most 2m/);
  });

  it('takes the Kafka client from kafka.client or MLOBS_KAFKA_CLIENT (platformatic unless told), refuses an unknown one by name, and lz4 only with platformatic', () => {
    expect(validateConfig({}).kafka).toMatchObject({ client: 'platformatic', compression: 'none' });
    expect(loadConfig({ env: { MLOBS_KAFKA_CLIENT: 'kafkajs' } }).kafka.client).toBe('kafkajs');
    expect(loadConfig({ env: { MLOBS_KAFKA_CLIENT: 'platformatic', MLOBS_KAFKA_COMPRESSION: 'lz4' } }).kafka).toMatchObject({ client: 'platformatic', compression: 'lz4' });
    expect(() => validateConfig({ kafka: { client: 'rdkafka' } })).toThrow(/kafka\.client/);
    expect(() => validateConfig({ kafka: { client: 'kafkajs', compression: 'lz4' } })).toThrow(/kafka\.compression: lz4 needs kafka\.client: platformatic/);
  });
});
