import { postJson } from './http.js';
import type { Notification, Notifier } from './types.js';

/** Slack incoming webhook: one message per notification, one attachment per alert (at most 20). */
export class SlackNotifier implements Notifier {
  readonly type = 'slack';
  constructor(readonly receiver: string, private readonly opts: { url: string; channel?: string }) {}
  async notify(n: Notification, signal: AbortSignal): Promise<void> {
    const firing = n.alerts.filter((a) => a.state === 'firing');
    const status = firing.length ? `FIRING:${firing.length}` : 'RESOLVED';
    const title = Object.values(n.groupLabels).join(' ') || n.alerts[0]?.labels.alertname || 'alerts';
    const attachments = n.alerts.slice(0, 20).map((a) => ({
      color: a.state === 'firing' ? (a.labels.severity === 'page' || a.labels.severity === 'critical' ? 'danger' : 'warning') : 'good',
      title: `[${a.state}] ${a.annotations.summary ?? a.labels.alertname}`,
      title_link: a.annotations.dashboard_url,
      text: [a.annotations.description, a.annotations.runbook_url ? `Runbook: ${a.annotations.runbook_url}` : ''].filter(Boolean).join('\n'),
      fields: Object.entries(a.labels).map(([k, v]) => ({ title: k, value: v, short: true })),
    }));
    const more = n.alerts.length > 20 ? ` (${n.alerts.length - 20} more not shown)` : '';
    await postJson(this.opts.url, { ...(this.opts.channel ? { channel: this.opts.channel } : {}), text: `[${status}] ${title}${more}`, attachments }, signal);
  }
}
