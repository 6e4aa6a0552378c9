import type { Store } from '../storage/store.js';
import type { Signal, SignalSeries, SignalSink, SignalSource } from '../core/contracts/signals.js';

export type { Signal, SignalSeries, SignalSink, SignalSource } from '../core/contracts/signals.js';

const keyOf = (s: { model: string; feature: string; method: string }) => `${s.model}\u0000${s.feature}\u0000${s.method}`;

/** In-process signals, bounded per series: both the sink drift/ writes to and a source the rule reads. */
export class MemorySignals implements SignalSink, SignalSource {
  private readonly series = new Map<string, SignalSeries>();
  constructor(private readonly maxPerSeries = 100) {}
  publish(signal: Signal): void {
    const k = keyOf(signal);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { model: signal.model, feature: signal.feature, method: signal.method, signals: [] }));
    // A window evaluated again (late data, drift/schedule/settle.ts) replaces its earlier signal.
    s.signals = [signal, ...s.signals.filter((x) => x.atMs !== signal.atMs)].sort((a, b) => b.atMs - a.atMs);
    if (s.signals.length > this.maxPerSeries) s.signals.length = this.maxPerSeries;
  }
  async recent(n: number, nowMs: number): Promise<SignalSeries[]> {
    return [...this.series.values()].map((s) => ({ ...s, signals: s.signals.filter((x) => x.atMs <= nowMs).slice(0, n) }));
  }
}

/** The drift_results columns this reader needs (drift/migrations.ts creates the table). */
const COLUMNS = ['model', 'feature', 'method', 'value', 'p_value', 'threshold', 'drifted', 'window_end', 'computed_at'];

/**
 * Reads signals from `drift_results`, the table the drift scheduler writes (drift/migrations.ts,
 * drift/schedule/results.ts): one row per (model, feature, method, window), read with FINAL because
 * a re-evaluated window is a newer row (ReplacingMergeTree(computed_at)) of the same evaluation.
 * A signal's time is the window end. Rows without a verdict (`drifted`, `value` or `threshold`
 * NULL: insufficient data, a failed test) are no evaluation, as drift/signals.ts publishes none for
 * them, and neither does a `superseded` row (a re-evaluation retiring an earlier result of the
 * window); `@quality` rows are metrics, not drift, and are skipped. `@dataset`/`share` rows are read:
 * "the data set drifted" is a signal of its own. Without the table (or with other columns): no
 * signals, said once in the log, looked for again once a minute.
 */
export class ClickHouseSignals implements SignalSource {
  private found = false;
  private checkedAtMs = -Infinity;
  constructor(private readonly store: Store, private readonly onProblem: (msg: string) => void = () => {}) {}

  async recent(n: number, nowMs: number): Promise<SignalSeries[]> {
    if (!this.found && nowMs - this.checkedAtMs > 60_000) {
      this.checkedAtMs = nowMs;
      this.found = await this.detect();
    }
    if (!this.found) return [];
    const rows = await this.store.query<Record<string, any>>(
      `SELECT model, feature, method, value, p_value, threshold, drifted, toUnixTimestamp64Milli(window_end) AS at
       FROM ${this.store.database}.drift_results FINAL
       WHERE window_end <= fromUnixTimestamp64Milli({now:Int64})
         AND feature != '@quality'
         AND drifted IS NOT NULL AND value IS NOT NULL AND threshold IS NOT NULL
       ORDER BY model, feature, method, at DESC
       LIMIT {n:UInt32} BY model, feature, method`,
      { n, now: nowMs },
    );
    const out = new Map<string, SignalSeries>();
    for (const r of rows) {
      const sig: Signal = {
        source: 'drift',
        model: r.model,
        feature: r.feature,
        method: r.method,
        value: Number(r.value),
        threshold: Number(r.threshold),
        drifted: Number(r.drifted) === 1,
        atMs: Number(r.at),
        ...(r.p_value === null || r.p_value === undefined ? {} : { pValue: Number(r.p_value) }),
      };
      const k = keyOf(sig);
      if (!out.has(k)) out.set(k, { model: sig.model, feature: sig.feature, method: sig.method, signals: [] });
      out.get(k)!.signals.push(sig);
    }
    return [...out.values()];
  }

  private async detect(): Promise<boolean> {
    const cols = new Set(
      (await this.store.query<{ name: string }>(`SELECT name FROM system.columns WHERE database = {db:String} AND table = 'drift_results'`, { db: this.store.database })).map((c) => c.name),
    );
    if (!cols.size) return false;
    const missing = COLUMNS.filter((c) => !cols.has(c));
    if (missing.length) {
      this.onProblem(`drift_results exists but lacks ${missing.join(', ')}: drift rules read no signals from it`);
      return false;
    }
    return true;
  }
}

/**
 * Reads every source and keeps, per series, the newest `n` signals across them. One window seen by
 * two sources (drift/ publishing in-process and writing drift_results) is one evaluation: the first
 * source's signal of that time is kept.
 */
export function mergedSource(sources: SignalSource[]): SignalSource {
  return {
    async recent(n, nowMs) {
      const out = new Map<string, SignalSeries>();
      for (const src of sources) {
        for (const s of await src.recent(n, nowMs)) {
          const k = keyOf(s);
          const prev = out.get(k);
          if (!prev) {
            out.set(k, s);
            continue;
          }
          const seen = new Set(prev.signals.map((x) => x.atMs));
          const signals = [...prev.signals, ...s.signals.filter((x) => !seen.has(x.atMs))].sort((a, b) => b.atMs - a.atMs).slice(0, n);
          out.set(k, { ...prev, signals });
        }
      }
      return [...out.values()];
    },
  };
}
