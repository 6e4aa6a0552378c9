import { describe, expect, it } from 'vitest';
import { ROLES, loadConfig, validateConfig } from './config.js';

describe('roles', () => {
  it('runs every role by default, as one process that is the whole fleet', () => {
    expect(loadConfig({ env: {} }).roles).toEqual([...ROLES]);
  });

  it('takes roles from MLOBS_ROLES and lets --roles override them', () => {
    const env = { MLOBS_ROLES: 'ingest, sink', KAFKA_BROKERS: 'k:9092' };
    expect(loadConfig({ env }).roles).toEqual(['ingest', 'sink']);
    expect(loadConfig({ env, flags: { roles: ['detect'] } }).roles).toEqual(['detect']);
  });

  it('stops the start of part of a fleet without Kafka, saying what to set', () => {
    expect(() => loadConfig({ env: { MLOBS_ROLES: 'scrape' } })).toThrow(/roles: roles scrape run part of a fleet, which needs Kafka: set kafka.brokers \(or KAFKA_BROKERS\)/);
  });

  it('names an unknown or repeated role', () => {
    expect(() => loadConfig({ env: { MLOBS_ROLES: 'ingest,scrapper', KAFKA_BROKERS: 'k:9092' } })).toThrow(/roles\.1: Invalid option: expected one of "ingest"\|"scrape"\|"sink"\|"detect"/);
    expect(() => loadConfig({ env: { MLOBS_ROLES: 'sink,sink', KAFKA_BROKERS: 'k:9092' } })).toThrow(/roles: each role once/);
  });

  it('refuses a lease margin that leaves no heartbeat before the session runs out', () => {
    expect(() => validateConfig({ fleet: { sessionTimeoutMs: '6s', heartbeatIntervalMs: '1s', leaseMarginMs: '5s' } })).toThrow(/fleet\.leaseMarginMs: must leave at least two heartbeats of sessionTimeoutMs/);
    expect(() => validateConfig({ fleet: { sessionTimeoutMs: '6s', heartbeatIntervalMs: '3s' } })).toThrow(/fleet\.heartbeatIntervalMs: must be at most a third of sessionTimeoutMs/);
    expect(() => validateConfig({ fleet: { sessionTimeoutMs: '2s' } })).toThrow(/fleet\.sessionTimeoutMs: between 6s and 5m/);
    expect(validateConfig({}).fleet).toEqual({ sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, leaseMarginMs: 3_000 });
  });
});
