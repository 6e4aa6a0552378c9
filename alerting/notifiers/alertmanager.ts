import { postJson } from './http.js';
import { generatorUrl } from './payload.js';
import { iso, type Notification, type Notifier } from './types.js';

/**
 * Pushes alerts to a Prometheus Alertmanager through `POST /api/v2/alerts`, as Prometheus does.
 * Firing alerts carry an endsAt beyond the next resend (4 × repeat interval, like Prometheus's
 * 4 × resend delay), so Alertmanager resolves them by itself only if this stack goes silent.
 */
export class AlertmanagerNotifier implements Notifier {
  readonly type = 'alertmanager';
  private readonly endpoint: string;
  constructor(readonly receiver: string, opts: { url: string }) {
    this.endpoint = opts.url.replace(/\/+$/, '').replace(/\/api\/v2\/alerts$/, '') + '/api/v2/alerts';
  }
  async notify(n: Notification, signal: AbortSignal): Promise<void> {
    const body = n.alerts.map((a) => ({
      labels: a.labels,
      annotations: a.annotations,
      startsAt: iso(a.firedAtMs || a.activeAtMs),
      endsAt: iso(a.state === 'resolved' ? a.resolvedAtMs : n.nowMs + 4 * n.repeatIntervalMs),
      generatorURL: generatorUrl(n.externalUrl, a),
    }));
    await postJson(this.endpoint, body, signal);
  }
}
