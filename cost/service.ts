import { ConfigError } from '../core/errors.js';
import type { Store } from '../storage/store.js';
import { costConfigSchema, type CostConfig, type CostConfigInput } from './config.js';
import { podMapper, type PodMapper } from './mapping.js';
import { priceRows, type PriceRow } from './prices.js';
import { parseCostQuery } from './query.js';
import { buildReport, type CostReport } from './report.js';
import { sealRollups } from './rollup.js';
import { queryPredictions, queryUsage, syncPrices } from './store.js';

/** Storage to read and the clock that decides where "now" cuts a window. */
export interface CostServiceDeps {
  store: Store;
  now: () => number;
}

/** Validates cost options (raw or already parsed); throws ConfigError naming every bad key under `cost.`. */
export function validateCostConfig(raw: CostConfigInput | CostConfig | undefined): CostConfig {
  const r = costConfigSchema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  cost.${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid cost options:\n${lines.join('\n')}`);
}

/** Answers cost reports from storage: the SQL views do the integration, `buildReport` the grouping and rounding. */
export class CostService {
  readonly config: CostConfig;
  private readonly mapper: PodMapper;
  private readonly prices: PriceRow[];

  constructor(
    config: CostConfigInput | CostConfig | undefined,
    private readonly deps: CostServiceDeps,
  ) {
    this.config = validateCostConfig(config);
    this.mapper = podMapper(this.config);
    this.prices = priceRows(this.config);
  }

  /** Writes the configured prices where the SQL views read them. */
  syncPrices(): Promise<void> {
    return syncPrices(this.deps.store, this.prices);
  }

  /** Integrates complete hours not sealed yet (or changed since) into the hourly rollups for the configured rules; returns the hours sealed. */
  sealRollups(opts: { maxStatements?: number } = {}): Promise<number> {
    return sealRollups(this.deps.store, {
      maxIntervalMs: this.config.maxSampleIntervalMs,
      idleThreshold: this.config.idleUtilisationThreshold,
      nowMs: this.deps.now(),
      ...opts,
    });
  }

  /** One report for raw request parameters (by, from, to); throws CostQueryError for bad parameters, CostDataError for unpriced usage. */
  async report(params: Record<string, unknown>): Promise<CostReport> {
    const query = parseCostQuery(params, this.deps.now());
    const window = { fromMs: query.fromMs, endMs: query.endMs, previousFromMs: query.previousFromMs };
    const [usage, predictions] = await Promise.all([
      queryUsage(this.deps.store, { ...window, maxIntervalMs: this.config.maxSampleIntervalMs, idleThreshold: this.config.idleUtilisationThreshold }),
      query.by === 'model' ? queryPredictions(this.deps.store, window) : undefined,
    ]);
    return buildReport({
      query,
      current: usage.current,
      previous: usage.previous,
      predictions,
      mapper: this.mapper,
      currency: this.config.currency,
      idleThreshold: this.config.idleUtilisationThreshold,
      maxIntervalMs: this.config.maxSampleIntervalMs,
    });
  }
}
