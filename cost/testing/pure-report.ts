import type { CostConfig } from '../config.js';
import { podMapper } from '../mapping.js';
import { priceRows } from '../prices.js';
import type { CostQuery } from '../query.js';
import { buildReport, type CostReport } from '../report.js';
import { integrateUsage, type GpuReading } from '../usage.js';

/** The whole report computed by the pure path (reference integration, then the shared report builder); tests hold the SQL path to it. */
export function pureReport(readings: readonly GpuReading[], config: CostConfig, query: CostQuery): CostReport {
  const opts = { maxIntervalMs: config.maxSampleIntervalMs, idleThreshold: config.idleUtilisationThreshold, prices: priceRows(config) };
  return buildReport({
    query,
    current: integrateUsage(readings, { ...opts, fromMs: query.fromMs, toMs: query.endMs }),
    previous: integrateUsage(readings, { ...opts, fromMs: query.previousFromMs, toMs: query.fromMs }),
    mapper: podMapper(config),
    currency: config.currency,
    idleThreshold: config.idleUtilisationThreshold,
    maxIntervalMs: config.maxSampleIntervalMs,
  });
}
