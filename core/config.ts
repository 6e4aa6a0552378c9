import { readFileSync } from 'node:fs';
import { z } from 'zod';
// Durations are stored in milliseconds (names end in Ms) but may be written as `15s`, `2h`.
import { durationMs } from './schemas/common.js';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './errors.js';
import { driftConfigSchema } from '../drift/config.js';
import { costConfigSchema } from '../cost/config.js';
import { alertingConfigSchema } from '../alerting/config.js';


// TTLs are DateTime arithmetic, which ends in 2106: a longer retention would wrap around and
// delete every row on insert.
const retentionDays = z.number().int().positive().max(7300, 'at most 7300 days (20 years): a longer TTL overflows the engine\'s DateTime');
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier (letters, digits, _)');
const httpUrl = z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');

const pipelineSchema = z
  .object({
    name: z.string().min(1),
    // Either a cron schedule (documentation for people) or the longest tolerable gap between successful runs.
    schedule: z.string().optional(),
    maxGapMs: durationMs.optional(),
    description: z.string().optional(),
  })
  .strict();

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        authToken: z.string().min(16, 'must be at least 16 characters').optional(),
        maxBodyBytes: z.number().int().positive().default(16 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
    storage: z
      .object({
        url: httpUrl.optional(),
        username: z.string().default('default'),
        password: z.string().default(''),
        // A separate user for the read-only endpoints (server mode); absent: the writer's credentials.
        readerUsername: z.string().min(1).optional(),
        readerPassword: z.string().optional(),
        database: identifier.default('mlobs'),
        dataDir: z.string().default('./data'),
        retentionDays: z
          .object({
            predictions: retentionDays.default(90),
            labels: retentionDays.default(180),
            pipelineEvents: retentionDays.default(365),
            gpuSamples: retentionDays.default(90),
            deadLetters: retentionDays.default(30),
          })
          .strict()
          .prefault({}),
        requestTimeoutMs: durationMs.default(30_000),
      })
      .strict()
      .prefault({}),
    kafka: z
      .object({
        brokers: z.array(z.string().min(1)).default([]),
        clientId: z.string().default('mlobs'),
        topicPrefix: z.string().regex(/^[A-Za-z0-9._-]*$/, 'only letters, digits, ".", "_" and "-"').default('mlobs.'),
        groupId: z.string().default('mlobs-sink'),
        numPartitions: z.number().int().positive().default(3),
      })
      .strict()
      .prefault({}),
    bus: z
      .object({
        // In-process bus only: beyond this many unconsumed messages, ingest answers 503.
        maxBufferedMessages: z.number().int().positive().default(200_000),
      })
      .strict()
      .prefault({}),
    sink: z
      .object({
        batchMaxRows: z.number().int().positive().default(20_000),
        batchMaxWaitMs: durationMs.default(250),
        retryInitialMs: durationMs.default(200),
        retryMaxMs: durationMs.default(15_000),
      })
      .strict()
      .prefault({}),
    collectors: z
      .object({
        dcgm: z
          .object({
            targets: z.array(httpUrl).default([]),
            scrapeIntervalMs: durationMs.default(15_000),
            scrapeTimeoutMs: durationMs.default(10_000),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    pipelines: z.array(pipelineSchema).default([]),
    cost: costConfigSchema.prefault({}),
    alerting: alertingConfigSchema.prefault({}),
    drift: driftConfigSchema.prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.collectors.dcgm.scrapeTimeoutMs > c.collectors.dcgm.scrapeIntervalMs) {
      ctx.addIssue({ code: 'custom', path: ['collectors', 'dcgm', 'scrapeTimeoutMs'], message: 'must not exceed scrapeIntervalMs' });
    }
    const names = new Set<string>();
    c.pipelines.forEach((p, i) => {
      if (names.has(p.name)) ctx.addIssue({ code: 'custom', path: ['pipelines', i, 'name'], message: `duplicate pipeline ${p.name}` });
      names.add(p.name);
    });
  });

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Validates a raw config object; throws ConfigError naming every bad key. */
export function validateConfig(raw: unknown, origin = 'config'): Config {
  const r = configSchema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const keys = (i as { keys?: string[] }).keys;
    const path = [...i.path, ...(keys && keys.length === 1 ? keys : [])].join('.');
    return `  ${path || '(root)'}: ${i.message}`;
  });
  throw new ConfigError(`invalid ${origin}:\n${lines.join('\n')}`);
}

export interface ConfigSources {
  file?: string;
  env?: NodeJS.ProcessEnv;
  flags?: { port?: number; dataDir?: string; host?: string };
}

/** Merges defaults < YAML file < environment < command-line flags, then validates once. */
export function loadConfig(src: ConfigSources = {}): Config {
  let raw: Record<string, any> = {};
  if (src.file) {
    let text: string;
    try {
      text = readFileSync(src.file, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read config file ${src.file}: ${(e as Error).message}`);
    }
    try {
      raw = (parseYaml(text) as Record<string, any>) ?? {};
    } catch (e) {
      throw new ConfigError(`config file ${src.file} is not valid YAML: ${(e as Error).message}`);
    }
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`config file ${src.file} must hold a mapping at the top level`);
  }
  const env = src.env ?? {};
  const set = (path: string[], value: unknown) => {
    let o = raw;
    for (const k of path.slice(0, -1)) o = o[k] = typeof o[k] === 'object' && o[k] !== null ? o[k] : {};
    o[path[path.length - 1]!] = value;
  };
  const envInt = (name: string) => {
    const v = env[name]!;
    if (!/^\d+$/.test(v)) throw new ConfigError(`environment variable ${name} must be an integer, got ${JSON.stringify(v)}`);
    return Number(v);
  };
  const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
  if (env.CLICKHOUSE_URL) set(['storage', 'url'], env.CLICKHOUSE_URL);
  if (env.CLICKHOUSE_USER) set(['storage', 'username'], env.CLICKHOUSE_USER);
  if (env.CLICKHOUSE_PASSWORD !== undefined && env.CLICKHOUSE_PASSWORD !== '') set(['storage', 'password'], env.CLICKHOUSE_PASSWORD);
  if (env.CLICKHOUSE_DATABASE) set(['storage', 'database'], env.CLICKHOUSE_DATABASE);
  if (env.CLICKHOUSE_READER_USER) set(['storage', 'readerUsername'], env.CLICKHOUSE_READER_USER);
  if (env.CLICKHOUSE_READER_PASSWORD) set(['storage', 'readerPassword'], env.CLICKHOUSE_READER_PASSWORD);
  if (env.KAFKA_BROKERS) set(['kafka', 'brokers'], list(env.KAFKA_BROKERS));
  if (env.MLOBS_KAFKA_TOPIC_PREFIX) set(['kafka', 'topicPrefix'], env.MLOBS_KAFKA_TOPIC_PREFIX);
  if (env.MLOBS_DCGM_TARGETS) set(['collectors', 'dcgm', 'targets'], list(env.MLOBS_DCGM_TARGETS));
  if (env.MLOBS_PORT) set(['server', 'port'], envInt('MLOBS_PORT'));
  if (env.MLOBS_HOST) set(['server', 'host'], env.MLOBS_HOST);
  if (env.MLOBS_AUTH_TOKEN) set(['server', 'authToken'], env.MLOBS_AUTH_TOKEN);
  if (env.MLOBS_DATA_DIR) set(['storage', 'dataDir'], env.MLOBS_DATA_DIR);
  if (src.flags?.port !== undefined) set(['server', 'port'], src.flags.port);
  if (src.flags?.host !== undefined) set(['server', 'host'], src.flags.host);
  if (src.flags?.dataDir !== undefined) set(['storage', 'dataDir'], src.flags.dataDir);
  const config = validateConfig(raw, src.file ? `config (${src.file})` : 'config');
  if (!isLoopback(config.server.host) && !config.server.authToken) {
    throw new ConfigError(
      `server.host is ${config.server.host}, which is reachable from other machines: set server.authToken (or MLOBS_AUTH_TOKEN) so that ingest and SQL require a bearer token`,
    );
  }
  return config;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
