import { Counter, type Registry } from 'prom-client';
import type { Store } from '../../storage/store.js';
import type { SloConfig } from '../config.js';

/**
 * Maintains `mlobs_slo_events_total{slo, outcome}` for the event-based SLOs, so that Prometheus
 * users can evaluate the exported rules: counts stored predictions by arrival (received_at) since
 * the previous call, a little behind now so that batches still being inserted are not skipped.
 * no_response predictions are neither good nor bad (alerting/slo/sli.ts), so they are not counted.
 * Counting starts at zero at process start, as any counter does; rate() handles the reset.
 */
export class SloEventCounters {
  private readonly counter: Counter<'slo' | 'outcome'>;
  private cursorMs: number | undefined;
  constructor(private readonly store: Store, registry: Registry, private readonly slos: readonly SloConfig[], private readonly lagMs = 5000) {
    this.counter = new Counter({ name: 'mlobs_slo_events_total', help: 'Good and bad events of each event-based SLO (predictions by arrival).', labelNames: ['slo', 'outcome'] as const, registers: [registry] });
    for (const s of slos) if (s.sli.type !== 'freshness') for (const outcome of ['good', 'bad']) this.counter.inc({ slo: s.name, outcome }, 0);
  }

  async update(nowMs: number): Promise<void> {
    const event = this.slos.filter((s) => s.sli.type !== 'freshness');
    if (!event.length) return;
    const upto = nowMs - this.lagMs;
    if (this.cursorMs === undefined) {
      this.cursorMs = upto;
      return;
    }
    if (upto <= this.cursorMs) return;
    const thresholdsOf = (type: 'latency' | 'ttft') => [...new Set(event.flatMap((s) => (s.sli.type === type ? [s.sli.thresholdMs] : [])))];
    const thresholds = thresholdsOf('latency');
    const ttftThresholds = thresholdsOf('ttft');
    const models = [...new Set(event.map((s) => (s.sli as { model: string }).model))];
    // A prediction without a TTFT (ttft_ms NULL) is neither good nor bad for a ttft SLO, as in alerting/slo/sli.ts.
    const rows = await this.store.query<Record<string, any>>(
      `SELECT model, count() AS total, countIf(status != 'ok') AS errors, countIf(latency_ms IS NOT NULL) AS timed,
              sumForEach(arrayMap(t -> toUInt64(latency_ms IS NOT NULL AND latency_ms > t), {thresholds:Array(Float64)})) AS slow,
              countIf(ttft_ms IS NOT NULL) AS ttft_timed,
              sumForEach(arrayMap(t -> toUInt64(ttft_ms IS NOT NULL AND ttft_ms > t), {ttftThresholds:Array(Float64)})) AS ttft_slow
       FROM ${this.store.database}.predictions
       WHERE model IN {models:Array(String)} AND status != 'no_response' AND received_at > fromUnixTimestamp64Milli({from:Int64}) AND received_at <= fromUnixTimestamp64Milli({to:Int64})
       GROUP BY model`,
      { thresholds: thresholds.length ? thresholds : [0], ttftThresholds: ttftThresholds.length ? ttftThresholds : [0], models, from: this.cursorMs, to: upto },
    );
    this.cursorMs = upto;
    for (const r of rows) {
      for (const s of event.filter((x) => (x.sli as { model: string }).model === r.model)) {
        const threshold = (s.sli as { thresholdMs?: number }).thresholdMs ?? 0;
        const [total, bad] =
          s.sli.type === 'availability'
            ? [Number(r.total), Number(r.errors)]
            : s.sli.type === 'ttft'
              ? [Number(r.ttft_timed), Number(r.ttft_slow[ttftThresholds.indexOf(threshold)] ?? 0)]
              : [Number(r.timed), Number(r.slow[thresholds.indexOf(threshold)] ?? 0)];
        this.counter.inc({ slo: s.name, outcome: 'bad' }, bad);
        this.counter.inc({ slo: s.name, outcome: 'good' }, total - bad);
      }
    }
  }
}
