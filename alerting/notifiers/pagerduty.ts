import { createHash } from 'node:crypto';
import { postJson } from './http.js';
import type { Notification, Notifier } from './types.js';

const SEVERITY: Record<string, string> = { page: 'critical', critical: 'critical', warning: 'warning', ticket: 'warning', info: 'info' };

/**
 * PagerDuty Events API v2: one incident per aggregation group, triggered while any alert fires and
 * resolved when none does, under a dedup key derived from the group key (as Alertmanager does).
 */
export class PagerDutyNotifier implements Notifier {
  readonly type = 'pagerduty';
  constructor(readonly receiver: string, private readonly opts: { url: string; routingKey: string }) {}
  async notify(n: Notification, signal: AbortSignal): Promise<void> {
    await postJson(this.opts.url, pagerDutyEvent(n, this.opts.routingKey), signal);
  }
}

export function pagerDutyEvent(n: Notification, routingKey: string) {
  const firing = n.alerts.filter((a) => a.state === 'firing');
  const dedupKey = createHash('sha256').update(n.groupKey).digest('hex');
  if (!firing.length) return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  const first = firing[0]!;
  const links = firing.flatMap((a) => [
    ...(a.annotations.dashboard_url ? [{ href: a.annotations.dashboard_url, text: 'Dashboard' }] : []),
    ...(a.annotations.runbook_url ? [{ href: a.annotations.runbook_url, text: 'Runbook' }] : []),
  ]);
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    client: 'mlobs',
    client_url: n.externalUrl,
    payload: {
      summary: `[FIRING:${firing.length}] ${first.annotations.summary ?? first.labels.alertname}`.slice(0, 1024),
      source: new URL(n.externalUrl).host || 'mlobs',
      severity: SEVERITY[first.labels.severity ?? ''] ?? 'error',
      component: first.labels.model ?? first.labels.pipeline ?? first.labels.hostname,
      group: Object.values(n.groupLabels).join(','),
      class: first.labels.alertname,
      custom_details: { firing: firing.map((a) => ({ labels: a.labels, description: a.annotations.description })), num_firing: firing.length, num_resolved: n.alerts.length - firing.length },
    },
    links: links.slice(0, 10),
  };
}
