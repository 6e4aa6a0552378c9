import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The stack's self-metrics, registered on the Registry it is given (never the global one). Label values are bounded sets. */
export function createMetrics(registry: Registry) {
  const registers = [registry];
  // Lag is read when scraped, so an idle sink reports 0 rather than the backlog of its last batch.
  let lagSource: () => Record<string, number> = () => ({});
  return {
    /** Tells the lag gauge where to read each kind's backlog at scrape time. */
    setLagSource(f: () => Record<string, number>) {
      lagSource = f;
    },
    ingestEvents: new Counter({
      name: 'mlobs_ingest_events_total',
      help: 'Events received, by kind and outcome (accepted, rejected).',
      labelNames: ['kind', 'outcome'] as const,
      registers,
    }),
    ingestRequests: new Counter({
      name: 'mlobs_ingest_requests_total',
      help: 'Ingest HTTP requests, by kind and status code class.',
      labelNames: ['kind', 'code'] as const,
      registers,
    }),
    sinkRows: new Counter({ name: 'mlobs_sink_rows_total', help: 'Rows inserted into storage, by kind.', labelNames: ['kind'] as const, registers }),
    sinkBatchRows: new Histogram({
      name: 'mlobs_sink_batch_rows',
      help: 'Rows per insert batch.',
      labelNames: ['kind'] as const,
      buckets: [1, 10, 100, 1000, 5000, 10000, 20000, 50000],
      registers,
    }),
    sinkInsertSeconds: new Histogram({
      name: 'mlobs_sink_insert_duration_seconds',
      help: 'Time to insert one batch into storage.',
      labelNames: ['kind'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    sinkInsertFailures: new Counter({
      name: 'mlobs_sink_insert_failures_total',
      help: 'Failed insert attempts, by kind and reason.',
      labelNames: ['kind', 'reason'] as const,
      registers,
    }),
    consumerLag: new Gauge({
      name: 'mlobs_bus_consumer_lag_messages',
      help: 'Messages published but not yet committed by the sink.',
      labelNames: ['kind'] as const,
      registers,
      collect() {
        for (const [kind, lag] of Object.entries(lagSource())) this.set({ kind }, lag);
      },
    }),
    deadLetters: new Counter({
      name: 'mlobs_dead_letters_total',
      help: 'Events kept as dead letters, by kind and reason.',
      labelNames: ['kind', 'reason'] as const,
      registers,
    }),
    kserveDropped: new Counter({
      name: 'mlobs_kserve_dropped_total',
      help: 'KServe logger halves that could not be kept (answered non-200; KServe does not retry), by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    kserveJoined: new Counter({
      name: 'mlobs_kserve_predictions_total',
      help: 'Predictions made of KServe halves, by outcome (joined, no_response, response_only).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    scrapes: new Counter({ name: 'mlobs_scrapes_total', help: 'DCGM scrapes, by target and outcome.', labelNames: ['target', 'outcome'] as const, registers }),
    scrapeErrors: new Counter({ name: 'mlobs_scrape_errors_total', help: 'Failed DCGM scrapes, by target and reason.', labelNames: ['target', 'reason'] as const, registers }),
    scrapeUp: new Gauge({ name: 'mlobs_scrape_up', help: '1 if the last scrape of the target succeeded, else 0.', labelNames: ['target'] as const, registers }),
    scrapeSeconds: new Histogram({
      name: 'mlobs_scrape_duration_seconds',
      help: 'Duration of DCGM scrapes.',
      labelNames: ['target'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    scrapeSamples: new Gauge({ name: 'mlobs_scrape_samples', help: 'Samples in the last successful scrape.', labelNames: ['target'] as const, registers }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
