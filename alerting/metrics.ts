import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Self-metrics of alerting, on the registry it is given. Label values are bounded (configured names). */
export function createAlertingMetrics(registry: Registry) {
  const registers = [registry];
  return {
    evaluations: new Counter({ name: 'mlobs_alerting_evaluations_total', help: 'Evaluation cycles, by outcome (ok, failed, skipped_overlap).', labelNames: ['outcome'] as const, registers }),
    evaluationSeconds: new Histogram({
      name: 'mlobs_alerting_evaluation_duration_seconds',
      help: 'Duration of one evaluation cycle (all SLOs and rules).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    ruleFailures: new Counter({ name: 'mlobs_alerting_rule_failures_total', help: 'Rule or SLO evaluations that failed (the previous state is kept).', labelNames: ['rule'] as const, registers }),
    alerts: new Gauge({ name: 'mlobs_alerting_alerts', help: 'Alerts by state.', labelNames: ['state'] as const, registers }),
    notifications: new Counter({ name: 'mlobs_alerting_notifications_total', help: 'Notifications, by receiver and outcome (sent, failed).', labelNames: ['receiver', 'outcome'] as const, registers }),
    notificationRetries: new Counter({ name: 'mlobs_alerting_notification_retries_total', help: 'Delivery retries, by receiver and reason.', labelNames: ['receiver', 'reason'] as const, registers }),
    notificationSeconds: new Histogram({
      name: 'mlobs_alerting_notification_duration_seconds',
      help: 'Time to deliver one notification, retries included.',
      labelNames: ['receiver'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
      registers,
    }),
    persistFailures: new Counter({ name: 'mlobs_alerting_persist_failures_total', help: 'Failed writes of alert state, silences or the notification log.', registers }),
    budgetRemaining: new Gauge({ name: 'mlobs_slo_error_budget_remaining_ratio', help: 'Share of the period error budget left, per SLO.', labelNames: ['slo'] as const, registers }),
    pipelineStale: new Gauge({ name: 'mlobs_pipeline_stale', help: '1 while the pipeline is past its allowed gap since its last successful run, else 0.', labelNames: ['pipeline'] as const, registers }),
  };
}

export type AlertingMetrics = ReturnType<typeof createAlertingMetrics>;
