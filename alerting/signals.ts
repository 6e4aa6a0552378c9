import type { Store } from '../storage/store.js';

/** One drift evaluation of one feature of one model: what drift/ publishes after each run. */
export interface Signal {
  source: 'drift';
  model: string;
  feature: string;
  method: string;
  value: number;
  threshold: number;
  drifted: boolean;
  atMs: number;
}

/** Where a producer (drift/) hands its signals to alerting. Must not throw. */
export interface SignalSink {
  publish(signal: Signal): void;
}

/** The signals of one (model, feature, method), newest first. */
export interface SignalSeries {
  model: string;
  feature: string;
  method: string;
  signals: Signal[];
}

/** Where the drift rule reads the latest `n` signals of every series (as of `nowMs`). */
export interface SignalSource {
  recent(n: number, nowMs: number): Promise<SignalSeries[]>;
}

const keyOf = (s: { model: string; feature: string; method: string }) => `${s.model}\u0000${s.feature}\u0000${s.method}`;

/** In-process signals, bounded per series: both the sink drift/ writes to and a source the rule reads. */
export class MemorySignals implements SignalSink, SignalSource {
  private readonly series = new Map<string, SignalSeries>();
  constructor(private readonly maxPerSeries = 100) {}
  publish(signal: Signal): void {
    const k = keyOf(signal);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { model: signal.model, feature: signal.feature, method: signal.method, signals: [] }));
    s.signals.unshift(signal);
    s.signals.sort((a, b) => b.atMs - a.atMs);
    if (s.signals.length > this.maxPerSeries) s.signals.length = this.maxPerSeries;
  }
  async recent(n: number, nowMs: number): Promise<SignalSeries[]> {
    return [...this.series.values()].map((s) => ({ ...s, signals: s.signals.filter((x) => x.atMs <= nowMs).slice(0, n) }));
  }
}

const TIME_COLUMNS = ['evaluated_at', 'ts', 'window_end', 'computed_at', 'at'];

/**
 * Reads signals from the `drift_results` table that drift/ writes, if it exists and has the columns
 * model, feature, method, value, threshold and a time (one of TIME_COLUMNS); `drifted` is taken from
 * its column when there is one, else value > threshold. Absent or different: no signals, said once in the log.
 */
export class ClickHouseSignals implements SignalSource {
  private shape: { time: string; drifted: boolean } | null | undefined;
  private checkedAtMs = -Infinity;
  constructor(private readonly store: Store, private readonly onProblem: (msg: string) => void = () => {}) {}

  async recent(n: number, nowMs: number): Promise<SignalSeries[]> {
    // drift/ may create its table after alerting starts: look again at most once a minute.
    if (!this.shape && nowMs - this.checkedAtMs > 60_000) {
      this.checkedAtMs = nowMs;
      this.shape = await this.detect();
    }
    if (!this.shape) return [];
    const { time, drifted } = this.shape;
    const rows = await this.store.query<Record<string, any>>(
      `SELECT model, feature, method, value, threshold, ${drifted ? 'drifted' : 'value > threshold'} AS drifted, toUnixTimestamp64Milli(toDateTime64(${time}, 3)) AS at
       FROM ${this.store.database}.drift_results
       WHERE toDateTime64(${time}, 3) <= fromUnixTimestamp64Milli({now:Int64})
       ORDER BY model, feature, method, at DESC
       LIMIT {n:UInt32} BY model, feature, method`,
      { n, now: nowMs },
    );
    const out = new Map<string, SignalSeries>();
    for (const r of rows) {
      const sig: Signal = { source: 'drift', model: r.model, feature: r.feature, method: r.method, value: Number(r.value), threshold: Number(r.threshold), drifted: Boolean(Number(r.drifted)), atMs: Number(r.at) };
      const k = keyOf(sig);
      if (!out.has(k)) out.set(k, { model: sig.model, feature: sig.feature, method: sig.method, signals: [] });
      out.get(k)!.signals.push(sig);
    }
    return [...out.values()];
  }

  private async detect(): Promise<{ time: string; drifted: boolean } | null> {
    const cols = new Set(
      (await this.store.query<{ name: string }>(`SELECT name FROM system.columns WHERE database = {db:String} AND table = 'drift_results'`, { db: this.store.database })).map((c) => c.name),
    );
    if (!cols.size) return null;
    const time = TIME_COLUMNS.find((c) => cols.has(c));
    const missing = ['model', 'feature', 'method', 'value', 'threshold'].filter((c) => !cols.has(c));
    if (!time || missing.length) {
      this.onProblem(`drift_results exists but lacks ${[...missing, ...(time ? [] : [`a time column (${TIME_COLUMNS.join('/')})`])].join(', ')}: drift rules read no signals from it`);
      return null;
    }
    return { time, drifted: cols.has('drifted') };
  }
}

/** Reads every source and keeps, per series, the newest `n` signals across them. */
export function mergedSource(sources: SignalSource[]): SignalSource {
  return {
    async recent(n, nowMs) {
      const out = new Map<string, SignalSeries>();
      for (const src of sources) {
        for (const s of await src.recent(n, nowMs)) {
          const k = keyOf(s);
          const prev = out.get(k);
          out.set(k, prev ? { ...s, signals: [...prev.signals, ...s.signals].sort((a, b) => b.atMs - a.atMs).slice(0, n) } : s);
        }
      }
      return [...out.values()];
    },
  };
}
