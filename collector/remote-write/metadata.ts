import { METRIC_TYPES, type MetricMetadata } from './decode.js';

/** What Prometheus said about a metric family: its type (lower-case), help and unit. */
export interface FamilyInfo { type: string; help: string; unit: string }

/**
 * The metric metadata remote-write senders have reported, by family name. Prometheus 2.x sends
 * metadata in requests of their own (every `metadata_config.send_interval`, default 1 min), not with
 * the samples, so a sample's type must be remembered from an earlier request. Soft state: bounded
 * (the oldest-inserted family is forgotten first) and lost on restart, when the next metadata send
 * refills it. A later report for a family replaces the earlier one.
 */
export class MetadataCache {
  private readonly families = new Map<string, FamilyInfo>();

  constructor(private readonly maxFamilies = 100_000) {
    if (!Number.isInteger(maxFamilies) || maxFamilies < 1) throw new Error(`maxFamilies must be a positive integer, got ${maxFamilies}`);
  }

  /** Records the metadata of one request. */
  learn(metadata: readonly MetricMetadata[]): void {
    for (const m of metadata) {
      if (!m.metricFamilyName) continue;
      const info: FamilyInfo = { type: METRIC_TYPES[m.type] ?? 'unknown', help: m.help, unit: m.unit };
      this.families.delete(m.metricFamilyName);
      this.families.set(m.metricFamilyName, info);
      if (this.families.size > this.maxFamilies) this.families.delete(this.families.keys().next().value as string);
    }
  }

  /**
   * The family a series belongs to, by its name: the name itself (the text format's family of a
   * counter `x_total` is `x_total`), else without `_total` (OpenMetrics names the family `x`). A
   * classic histogram's `_bucket`/`_sum`/`_count` series are not looked up under the histogram's name:
   * they stay plain series.
   */
  lookup(seriesName: string): FamilyInfo | undefined {
    return this.families.get(seriesName) ?? (seriesName.endsWith('_total') ? this.families.get(seriesName.slice(0, -'_total'.length)) : undefined);
  }

  get size(): number {
    return this.families.size;
  }
}
