import type * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { clickhouseVar, mlobsDashboard, promPanel, prometheusVar, row, steps, stepsUp, tablePanel } from '../grafana/kit.js';
import { UIDS } from './uids.js';

// Self-metrics (core/metrics.ts) read through Prometheus scraping the stack's /metrics; the
// dead-letter table is read from ClickHouse, where the rejected payloads are kept.
const RATE = '$__rate_interval';

/** The stack itself: ingest rate, consumer lag, insert latency, dead letters, scrape health. */
export function stack(): dash.DashboardBuilder {
  return mlobsDashboard(UIDS.stack, 'mlobs itself', 'Is the monitoring healthy: what it ingests, how far the sinks lag, what it rejects, whether DCGM scrapes work.')
    .withVariable(prometheusVar())
    .withVariable(clickhouseVar())
    .withRow(row('Flow'))
    .withPanel(promPanel('Ingested events', [{ expr: `sum by (kind, outcome) (rate(mlobs_ingest_events_total[${RATE}]))`, legend: '{{kind}} {{outcome}}' }], 'eps'))
    .withPanel(promPanel('Rows stored', [{ expr: `sum by (kind) (rate(mlobs_sink_rows_total[${RATE}]))`, legend: '{{kind}}' }], 'rowsps'))
    .withPanel(promPanel('Consumer lag', [{ expr: 'max by (kind) (mlobs_bus_consumer_lag_messages)', legend: '{{kind}}' }], 'short').thresholds(steps(10_000, 100_000)))
    .withPanel(
      promPanel('Insert latency', [
        { expr: `histogram_quantile(0.99, sum by (le, kind) (rate(mlobs_sink_insert_duration_seconds_bucket[${RATE}])))`, legend: 'p99 {{kind}}' },
        { expr: `histogram_quantile(0.5, sum by (le, kind) (rate(mlobs_sink_insert_duration_seconds_bucket[${RATE}])))`, legend: 'p50 {{kind}}' },
      ], 's').thresholds(steps(1, 5)),
    )
    .withPanel(promPanel('Insert failures', [{ expr: `sum by (kind, reason) (increase(mlobs_sink_insert_failures_total[${RATE}]))`, legend: '{{kind}} {{reason}}' }], 'short').thresholds(steps(1)))
    .withPanel(promPanel('Ingest requests', [{ expr: `sum by (kind, code) (rate(mlobs_ingest_requests_total[${RATE}]))`, legend: '{{kind}} {{code}}' }], 'reqps'))
    .withRow(row('Rejected input'))
    .withPanel(promPanel('Dead letters', [{ expr: `sum by (kind, reason) (increase(mlobs_dead_letters_total[${RATE}]))`, legend: '{{kind}} {{reason}}' }], 'short').thresholds(steps(1)))
    .withPanel(
      tablePanel('Latest dead letters', `
        SELECT received_at, kind, source, reason, error, substring(payload, 1, 300) AS payload
        FROM dead_letters FINAL
        WHERE $__timeFilter(received_at)
        ORDER BY received_at DESC
        LIMIT 100`),
    )
    .withRow(row('DCGM scrapes'))
    .withPanel(promPanel('Scrape up', [{ expr: 'min by (target) (mlobs_scrape_up)', legend: '{{target}}' }], 'bool_yes_no').min(0).max(1).thresholds(stepsUp(0.5, 1)))
    .withPanel(
      promPanel('Scrape duration and samples', [
        { expr: `histogram_quantile(0.95, sum by (le, target) (rate(mlobs_scrape_duration_seconds_bucket[${RATE}])))`, legend: 'p95 {{target}}' },
        { expr: `sum by (target, reason) (increase(mlobs_scrape_errors_total[${RATE}]))`, legend: 'errors {{target}} {{reason}}' },
      ], 's'),
    )
    .withPanel(promPanel('Samples per scrape', [{ expr: 'sum by (target) (mlobs_scrape_samples)', legend: '{{target}}' }], 'short'))
    .withPanel(promPanel('Scrapes', [{ expr: `sum by (target, outcome) (rate(mlobs_scrapes_total[${RATE}]))`, legend: '{{target}} {{outcome}}' }], 'ops'));
}
