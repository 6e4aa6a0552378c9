import { postJson } from './http.js';
import { webhookPayload } from './payload.js';
import type { Notification, Notifier } from './types.js';

/** Generic webhook: POSTs Alertmanager's version-4 webhook payload. */
export class WebhookNotifier implements Notifier {
  readonly type = 'webhook';
  constructor(readonly receiver: string, private readonly opts: { url: string; maxAlerts: number }) {}
  async notify(n: Notification, signal: AbortSignal): Promise<void> {
    await postJson(this.opts.url, webhookPayload(n, this.opts.maxAlerts), signal);
  }
}
