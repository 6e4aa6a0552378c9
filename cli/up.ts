import { loadConfig, type Config } from '../app/config.js';
import { createLogger, type Logger } from '../core/log.js';
import { startStack, type Stack } from '../app/stack.js';
import { startTelemetry } from '../app/telemetry.js';
import { parseFlags, portFlag } from '../core/flags.js';
import { STACK_FLAGS } from './args.js';

export const UP_HELP = `mlobs up [--config FILE] [--port N] [--data-dir DIR] [--host ADDR] [--roles ingest,scrape,sink,detect]

Runs the stack: HTTP API, collectors, bus and storage in one process. --roles (or MLOBS_ROLES) runs
part of a fleet sharing Kafka: ingest (HTTP receivers), scrape (DCGM, sharded), sink (Kafka to
ClickHouse), detect (fleet-wide jobs on one leader, read APIs); default all of them.
Embedded defaults: ClickHouse engine in-process (data in --data-dir, default ./data), in-process bus.
Environment: CLICKHOUSE_URL, CLICKHOUSE_USER, CLICKHOUSE_PASSWORD, CLICKHOUSE_DATABASE, KAFKA_BROKERS,
MLOBS_DCGM_TARGETS, MLOBS_ROLES, MLOBS_PORT, MLOBS_HOST, MLOBS_DATA_DIR, MLOBS_AUTH_TOKEN.
Own telemetry: OTEL_EXPORTER_OTLP_ENDPOINT (or a per-signal endpoint) exports the stack's spans over
OTLP; the other OTEL_* variables and OTEL_SDK_DISABLED apply.`;

/** Reads flags and environment into one validated config. */
export function configFromArgs(argv: string[], env: NodeJS.ProcessEnv): { config: Config; help: boolean } {
  const { values } = parseFlags(argv, STACK_FLAGS);
  const config = loadConfig({ file: values.config, env, flags: { port: portFlag(values.port), dataDir: values['data-dir'], host: values.host, roles: values.roles?.split(',').map((r) => r.trim()).filter(Boolean) } });
  return { config, help: Boolean(values.help) };
}

/**
 * Stops the stack on SIGINT/SIGTERM and exits once it has drained: `extra` runs before the stack
 * stops (inputs of its own), `after` once it has stopped (flushing what the stack's last steps produced).
 */
export function stopOnSignals(stack: Stack, logger: Logger, extra: () => Promise<void> = async () => {}, after: () => Promise<void> = async () => {}): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    await extra();
    await stack.stop();
    await after();
    process.exit(0);
  };
  // A stray rejection in a background loop must not take the whole stack down: log and count it.
  process.on('unhandledRejection', (e) => logger.error('unhandled rejection', { error: e instanceof Error ? e.stack : String(e) }));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

export async function up(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(UP_HELP);
    return;
  }
  const { config } = configFromArgs(argv, process.env);
  const logger = createLogger({ level: (process.env.MLOBS_LOG_LEVEL as never) ?? 'info' });
  // Before the stack, so its first spans go out too; shut down after it, so its last ones are flushed.
  const telemetry = startTelemetry(process.env, logger);
  let stack: Stack;
  try {
    stack = await startStack(config, { logger });
  } catch (e) {
    await telemetry.shutdown();
    throw e;
  }
  console.log(`mlobs listening on ${stack.url} (storage: ${(stack.store as typeof stack.store | undefined)?.mode ?? 'none'}, bus: ${stack.bus.kind}, roles: ${stack.roles.join(',')})`);
  stopOnSignals(stack, logger, undefined, () => telemetry.shutdown());
}
