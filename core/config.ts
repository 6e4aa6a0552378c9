import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
// Durations are stored in milliseconds (names end in Ms) but may be written as `15s`, `2h`.
import { durationMs, positiveDurationMs } from './schemas/common.js';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './errors.js';


// TTLs are DateTime arithmetic, which ends in 2106: a longer retention would wrap around and
// delete every row on insert.
const retentionDays = z.number().int().positive().max(7300, 'at most 7300 days (20 years): a longer TTL overflows the engine\'s DateTime');
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier (letters, digits, _)');
const k8sName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes namespace name').max(63);
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

/** What one `mlobs up` runs; all of them (the default) is one process that is the whole fleet. */
export const ROLES = ['ingest', 'scrape', 'sink', 'detect'] as const;
export type Role = (typeof ROLES)[number];
const rolesSchema = z
  .array(z.enum(ROLES))
  .min(1, 'name at least one role')
  .refine((r) => new Set(r).size === r.length, 'each role once')
  .default([...ROLES]);

const attrKey = z.string().min(1).max(256);
/** A span that is a prediction although it carries no `gen_ai.operation.name`: every given condition must hold. */
const predictionRuleSchema = z
  .object({
    service: z.string().min(1).optional(),
    spanName: z.string().min(1).optional(),
    attributes: z.record(attrKey, z.string()).optional(),
    // Attribute keys the prediction's fields are read from.
    model: attrKey,
    version: attrKey.optional(),
    features: z.array(attrKey).default([]),
    prediction: attrKey.optional(),
    ttft: attrKey.optional(),
    // Embedding name → the attribute holding it as an array of numbers (OTLP arrayValue of doubles or ints).
    embeddings: z.record(z.string().min(1).max(128), attrKey).optional(),
  })
  .strict()
  .refine((r) => r.service || r.spanName || (r.attributes && Object.keys(r.attributes).length), 'a rule needs at least one of service, spanName, attributes (else it matches every span)');

const otlpSchema = z
  .object({
    // The second listener for OTLP alone (4318 is OTLP/HTTP's port). Off unless set: the
    // all-in-one process serves OTLP on server.port, and two stacks on one host must not fight over 4318.
    port: z.number().int().min(0).max(65535).default(0),
    predictions: z
      .object({
        rules: z.array(predictionRuleSchema).default([]),
        // Attributes added to the features of every GenAI prediction (besides the token counts).
        genAiFeatures: z.array(attrKey).default([]),
        // Time to first token: vLLM's span attribute (seconds), else this span event's time.
        ttftAttribute: attrKey.default('gen_ai.latency.time_to_first_token'),
        ttftEvent: z.string().min(1).default('gen_ai.content.first_token'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

/**
 * The stack's own settings; feature modules add their sections (app/config.ts assembles the full
 * schema from the module list), so nothing here knows a feature.
 */
export const baseConfigShape = {
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        authToken: z.string().min(16, 'must be at least 16 characters').optional(),
        // Bytes on the wire, then after gzip/deflate is undone: a small gzip body can inflate a thousandfold.
        maxBodyBytes: z.number().int().positive().default(16 * 1024 * 1024),
        maxDecompressedBodyBytes: z.number().int().positive().default(64 * 1024 * 1024),
        // Slow clients (one byte a second on many connections) must not hold the server: a request
        // has this long to arrive whole, its headers this long, and connections beyond the cap are dropped.
        requestTimeoutMs: positiveDurationMs.default(30_000),
        headersTimeoutMs: positiveDurationMs.default(10_000),
        // Idle keep-alive connections; above the 60 s idle timeout of common load balancers, so they close first.
        keepAliveTimeoutMs: positiveDurationMs.default(65_000),
        maxConnections: z.number().int().positive().default(1024),
      })
      .strict()
      .superRefine((s, ctx) => {
        if (s.maxDecompressedBodyBytes < s.maxBodyBytes) {
          ctx.addIssue({ code: 'custom', path: ['maxDecompressedBodyBytes'], message: 'must be at least server.maxBodyBytes' });
        }
        // Node refuses a headers timeout longer than the request timeout it is part of.
        if (s.headersTimeoutMs > s.requestTimeoutMs) {
          ctx.addIssue({ code: 'custom', path: ['headersTimeoutMs'], message: 'must not exceed server.requestTimeoutMs' });
        }
      })
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
            // Raw KServe request/response halves; only needed until joined into predictions.
            kserveHalves: retentionDays.default(7),
            // Every otel_* table (traces, metrics, logs) of the OTLP receiver.
            otel: retentionDays.default(30),
          })
          .strict()
          .prefault({}),
        requestTimeoutMs: durationMs.default(30_000),
        // A ClickHouse cluster (remote_servers) name: every migration runs ON CLUSTER with replicated
        // local tables behind Distributed ones (storage/cluster.ts). Unset for one server and for
        // ClickHouse Cloud, which replicates by itself.
        cluster: identifier.optional(),
      })
      .strict()
      .superRefine((s, ctx) => {
        if (s.cluster !== undefined && !s.url) {
          ctx.addIssue({ code: 'custom', path: ['cluster'], message: 'needs storage.url (CLICKHOUSE_URL): the embedded engine is one node, not a cluster' });
        }
      })
      .prefault({}),
    kafka: z
      .object({
        brokers: z.array(z.string().min(1)).default([]),
        clientId: z.string().default('mlobs'),
        topicPrefix: z.string().regex(/^[A-Za-z0-9._-]*$/, 'only letters, digits, ".", "_" and "-"').default('mlobs.'),
        groupId: z.string().default('mlobs-sink'),
        numPartitions: z.number().int().positive().default(3),
        // How long an ingest request may wait for the brokers before it is answered 503: producers
        // must learn quickly to back off during an outage. An HTTP request waiting minutes helps no one.
        publishTimeoutMs: positiveDurationMs.refine((v) => v <= 120_000, 'at most 2m').default(5_000),
        // A secret shared by the mlobs processes only: events their ingest validated are published
        // signed with it, and the sink does not validate them again (bus/trust.ts says the trade-offs).
        trustedProducerKey: z.string().min(32, 'at least 32 characters').optional(),
        // The client of the data path (ingest publishes, sink consumes); README "Kafka client" has the
        // measurements behind the default. Topic creation, leases and membership use kafkajs either way.
        client: z.enum(['kafkajs', 'platformatic']).default('platformatic'),
        // Batch compression of what mlobs publishes; lz4 is offered by the platformatic client only.
        compression: z.enum(['none', 'lz4']).default('none'),
      })
      .strict()
      .superRefine((k, ctx) => {
        if (k.compression !== 'none' && k.client !== 'platformatic') ctx.addIssue({ code: 'custom', path: ['compression'], message: `${k.compression} needs kafka.client: platformatic (kafkajs has no lz4 codec built in)` });
      })
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
            // Finds the exporter pods through the Kubernetes API and scrapes each pod, not the Service.
            kubernetes: z
              .object({
                namespace: k8sName,
                /** Selects the Service's EndpointSlices: they carry its labels and kubernetes.io/service-name. */
                labelSelector: z.string().min(1).optional(),
                /** The exporter's port on each pod: a number, or the name of the Service's port. */
                port: z.union([z.number().int().min(1).max(65535), z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a port number or a port name').max(15)]).default(9400),
                path: z.string().startsWith('/', 'must start with /').default('/metrics'),
              })
              .strict()
              .optional(),
          })
          .strict()
          .prefault({}),
        kserve: z
          .object({
            // A request whose response has not come after this long becomes a prediction with status
            // no_response. KServe logs the response when the model answered 200, so a few seconds
            // after the request is normal; a response later than this is not joined (its request already was).
            joinWaitMs: positiveDurationMs.default(30_000),
            // How often the joiner looks for complete or timed-out inferences.
            joinIntervalMs: positiveDurationMs.default(1_000),
            // How far back the joiner looks for unjoined halves (a joiner down longer loses the older ones).
            lookbackMs: positiveDurationMs.default(86_400_000),
            // KServe's logger never retries and its worker waits for our answer: past this, answer 503
            // and count the half (mlobs_kserve_dropped_total) rather than hold the model server's queue.
            answerWithinMs: positiveDurationMs.default(1_000),
            // ce-endpoint (default, canary) → model_version per model; an unmapped endpoint is its own version.
            modelVersions: z.record(z.string().min(1), z.record(z.string(), z.string().max(128))).default({}),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    pipelines: z.array(pipelineSchema).default([]),
    otlp: otlpSchema,
    roles: rolesSchema,
    // Coordination of several processes on Kafka (see README "Running at scale"): the group session that
    // elects the one `detect` leader and shards the scrapers. A leader gives its lease up leaseMarginMs
    // before the broker would replace it, so two leaders never act at once.
    fleet: z
      .object({
        sessionTimeoutMs: positiveDurationMs.refine((v) => v >= 6_000 && v <= 300_000, 'between 6s and 5m (the broker\'s group.min/max.session.timeout.ms defaults)').default(10_000),
        heartbeatIntervalMs: positiveDurationMs.default(1_000),
        leaseMarginMs: positiveDurationMs.default(3_000),
      })
      .strict()
      .prefault({}),
};

type BaseShapeOutput = z.infer<z.ZodObject<typeof baseConfigShape>>;

/** Checks across keys of the base sections; the assembled schema runs it too. */
export function refineBaseConfig(c: BaseShapeOutput, ctx: z.RefinementCtx): void {
    if (c.collectors.dcgm.scrapeTimeoutMs > c.collectors.dcgm.scrapeIntervalMs) {
      ctx.addIssue({ code: 'custom', path: ['collectors', 'dcgm', 'scrapeTimeoutMs'], message: 'must not exceed scrapeIntervalMs' });
    }
    if (c.collectors.kserve.lookbackMs <= c.collectors.kserve.joinWaitMs) {
      ctx.addIssue({ code: 'custom', path: ['collectors', 'kserve', 'lookbackMs'], message: 'must exceed joinWaitMs' });
    }
    const f = c.fleet;
    if (f.heartbeatIntervalMs * 3 > f.sessionTimeoutMs) ctx.addIssue({ code: 'custom', path: ['fleet', 'heartbeatIntervalMs'], message: 'must be at most a third of sessionTimeoutMs' });
    if (f.leaseMarginMs + 2 * f.heartbeatIntervalMs >= f.sessionTimeoutMs) ctx.addIssue({ code: 'custom', path: ['fleet', 'leaseMarginMs'], message: 'must leave at least two heartbeats of sessionTimeoutMs' });
    // Only Kafka is shared between processes: a process that runs part of the fleet needs it.
    if (c.roles.length < ROLES.length && c.kafka.brokers.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['roles'], message: `roles ${c.roles.join(',')} run part of a fleet, which needs Kafka: set kafka.brokers (or KAFKA_BROKERS), or run all roles in one process` });
    }
    const names = new Set<string>();
    c.pipelines.forEach((p, i) => {
      if (names.has(p.name)) ctx.addIssue({ code: 'custom', path: ['pipelines', i, 'name'], message: `duplicate pipeline ${p.name}` });
      names.add(p.name);
    });
}

export const baseConfigSchema = z.object(baseConfigShape).strict().superRefine(refineBaseConfig);

/** The settings every part of the stack sees; a feature module sees its own section besides. */
export type BaseConfig = z.infer<typeof baseConfigSchema>;
export type BaseConfigInput = z.input<typeof baseConfigSchema>;

/** Validates a raw config object against `schema` (the base one by default); throws ConfigError naming every bad key. */
export function validateConfig<S extends z.ZodType = typeof baseConfigSchema>(raw: unknown, origin = 'config', schema?: S): z.infer<S> {
  const r = (schema ?? baseConfigSchema).safeParse(raw ?? {});
  if (r.success) return r.data as z.infer<S>;
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
  flags?: { port?: number; dataDir?: string; host?: string; roles?: string[] };
}

/** Merges defaults < YAML file < environment < command-line flags, then validates once. */
export function loadConfig<S extends z.ZodType<BaseConfig> = typeof baseConfigSchema>(src: ConfigSources = {}, schema?: S): z.infer<S> {
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
  if (env.CLICKHOUSE_CLUSTER) set(['storage', 'cluster'], env.CLICKHOUSE_CLUSTER);
  if (env.CLICKHOUSE_READER_USER) set(['storage', 'readerUsername'], env.CLICKHOUSE_READER_USER);
  if (env.CLICKHOUSE_READER_PASSWORD) set(['storage', 'readerPassword'], env.CLICKHOUSE_READER_PASSWORD);
  if (env.KAFKA_BROKERS) set(['kafka', 'brokers'], list(env.KAFKA_BROKERS));
  if (env.MLOBS_KAFKA_TOPIC_PREFIX) set(['kafka', 'topicPrefix'], env.MLOBS_KAFKA_TOPIC_PREFIX);
  if (env.MLOBS_KAFKA_TRUSTED_PRODUCER_KEY) set(['kafka', 'trustedProducerKey'], env.MLOBS_KAFKA_TRUSTED_PRODUCER_KEY);
  if (env.MLOBS_KAFKA_CLIENT) set(['kafka', 'client'], env.MLOBS_KAFKA_CLIENT);
  if (env.MLOBS_KAFKA_COMPRESSION) set(['kafka', 'compression'], env.MLOBS_KAFKA_COMPRESSION);
  // A secret like the token: from a Kubernetes Secret through the environment rather than a config file.
  if (env.MLOBS_MLFLOW_WEBHOOK_SECRET) set(['registry', 'mlflow', 'secret'], env.MLOBS_MLFLOW_WEBHOOK_SECRET);
  if (env.MLOBS_DCGM_TARGETS) set(['collectors', 'dcgm', 'targets'], list(env.MLOBS_DCGM_TARGETS));
  if (env.MLOBS_PORT) set(['server', 'port'], envInt('MLOBS_PORT'));
  if (env.MLOBS_HOST) set(['server', 'host'], env.MLOBS_HOST);
  if (env.MLOBS_AUTH_TOKEN) set(['server', 'authToken'], env.MLOBS_AUTH_TOKEN);
  if (env.MLOBS_DATA_DIR) set(['storage', 'dataDir'], env.MLOBS_DATA_DIR);
  if (env.MLOBS_ROLES) set(['roles'], list(env.MLOBS_ROLES));
  if (src.flags?.port !== undefined) set(['server', 'port'], src.flags.port);
  if (src.flags?.roles !== undefined) set(['roles'], src.flags.roles);
  if (src.flags?.host !== undefined) set(['server', 'host'], src.flags.host);
  if (src.flags?.dataDir !== undefined) set(['storage', 'dataDir'], src.flags.dataDir);
  const config = validateConfig(raw, src.file ? `config (${src.file})` : 'config', schema ?? baseConfigSchema) as BaseConfig;
  if (!isLoopback(config.server.host) && !config.server.authToken) {
    throw new ConfigError(
      `server.host is ${config.server.host}, which is reachable from other machines: set server.authToken (or MLOBS_AUTH_TOKEN) so that ingest and SQL require a bearer token`,
    );
  }
  return config as z.infer<S>;
}

/**
 * True only for a listen address that other machines cannot reach: a literal loopback address
 * (127.0.0.0/8, ::1, or 127.x.x.x mapped into IPv6) or the name `localhost`. Any other name counts
 * as reachable, because a name such as 127.example.com can resolve anywhere; so do the wildcard
 * addresses 0.0.0.0 and ::.
 */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  const family = isIP(h);
  if (family === 4) return h.split('.')[0] === '127';
  if (family !== 6) return false;
  try {
    // The URL parser normalises every spelling of an IPv6 address (0:0:0:0:0:0:0:1, ::ffff:7f00:1, …).
    const n = new URL(`http://[${h}]/`).hostname.slice(1, -1);
    if (n === '::1') return true;
    const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(n);
    return mapped !== null && parseInt(mapped[1]!, 16) >> 8 === 127;
  } catch {
    return false;
  }
}
