import { readFileSync } from 'node:fs';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/log.js';

/**
 * mlobs's own telemetry, out (issue 11): when an OTLP endpoint is configured through the standard
 * OpenTelemetry environment, the spans the stack opens on `@opentelemetry/api` (sink, scraper) and
 * any metric recorded through the OTel metrics API are exported by the OpenTelemetry SDK for Node.
 * The prom-client metrics stay on GET /metrics; they are not bridged.
 */

/** Any of these turns self-telemetry on; the SDK then reads the rest of the OTEL_* variables itself. */
export const ENDPOINT_VARIABLES = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'] as const;

export interface TelemetryPlan {
  enabled: boolean;
  /** Why, for the start-up log line. */
  reason: string;
}

/**
 * Whether to start the SDK under this environment. Without an endpoint the SDK would export to its
 * default, http://localhost:4318, which is nobody's choice here (and may be this very process's OTLP
 * port): so an endpoint must be set explicitly. OTEL_SDK_DISABLED=true wins over everything, as the
 * specification says.
 */
export function telemetryPlan(env: NodeJS.ProcessEnv): TelemetryPlan {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { enabled: false, reason: 'OTEL_SDK_DISABLED=true' };
  const set = ENDPOINT_VARIABLES.filter((v) => env[v]?.trim());
  if (!set.length) return { enabled: false, reason: `none of ${ENDPOINT_VARIABLES.join(', ')} is set` };
  return { enabled: true, reason: `${set.join(', ')} set` };
}

export interface Telemetry {
  readonly enabled: boolean;
  /** Exports what is still buffered, then stops the SDK. Never throws; call it after the stack has stopped. */
  shutdown(): Promise<void>;
}

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * Starts the SDK when `telemetryPlan` says so. Call it before the stack starts, so the stack's first
 * spans are exported too, and `shutdown` after the stack has stopped, so the spans of its last drain
 * are flushed.
 *
 * The SDK registers its tracer and meter providers (and a context manager and propagator) as the
 * OpenTelemetry API's globals. That is the one global state here, and deliberate: the API's global
 * provider is the OpenTelemetry convention through which instrumented code (ours, via
 * `trace.getTracer('mlobs')`, and any library's) reaches the SDK without being handed it, and the
 * API's tracers are proxies, so tracers obtained before the SDK started still follow it.
 *
 * The SDK reads `process.env` itself (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_*
 * protocol, headers, timeout and compression, OTEL_TRACES_SAMPLER, OTEL_BSP_*, OTEL_METRIC_EXPORT_*,
 * OTEL_TRACES_EXPORTER, OTEL_METRICS_EXPORTER, OTEL_LOGS_EXPORTER); `env` here only decides whether it starts.
 */
export function startTelemetry(env: NodeJS.ProcessEnv, logger: Logger): Telemetry {
  const plan = telemetryPlan(env);
  if (!plan.enabled) {
    // Silent by default (most runs export nothing); a deliberate OTEL_SDK_DISABLED is acknowledged.
    if (env.OTEL_SDK_DISABLED) logger.info('own telemetry not exported', { reason: plan.reason });
    return { enabled: false, shutdown: async () => {} };
  }
  // Export failures are otherwise silent: the SDK reports them only through the API's diagnostic
  // logger (itself a global of the API). OTEL_LOG_LEVEL, when set, is the SDK's to honour instead.
  if (!env.OTEL_LOG_LEVEL) {
    diag.setLogger(
      {
        error: (message, ...args) => logger.warn('OpenTelemetry SDK', { message, detail: args.map(String).join(' ') }),
        warn: (message, ...args) => logger.warn('OpenTelemetry SDK', { message, detail: args.map(String).join(' ') }),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      DiagLogLevel.WARN,
    );
  }
  // service.name defaults to mlobs; the SDK's env detector runs after this, so OTEL_SERVICE_NAME and
  // OTEL_RESOURCE_ATTRIBUTES still win (the `serviceName` option would override them instead).
  const sdk = new NodeSDK({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'mlobs', 'service.version': VERSION })),
  });
  sdk.start();
  logger.info('exporting own telemetry over OTLP', { reason: plan.reason });
  let done: Promise<void> | null = null;
  return {
    enabled: true,
    shutdown: () =>
      (done ??= sdk.shutdown().catch((e: unknown) => logger.warn('OpenTelemetry SDK shutdown failed', { error: errorMessage(e) }))),
  };
}
