import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../fingerprint.js';
import type { Alert } from '../lifecycle.js';
import { startReceiver } from '../testing/receiver.js';
import { AlertmanagerNotifier } from './alertmanager.js';
import { PagerDutyNotifier } from './pagerduty.js';
import { SlackNotifier } from './slack.js';
import { WebhookNotifier } from './webhook.js';
import { DeliveryError, type Notification } from './types.js';

let r: Awaited<ReturnType<typeof startReceiver>>;
let status = 200;
beforeAll(async () => {
  r = await startReceiver(() => status);
});
afterAll(async () => r?.close());

const labels = { alertname: 'ErrorBudgetBurn', slo: 'fraud-availability', severity: 'page', model: 'fraud' };
const alert = (state: Alert['state']): Alert => ({
  fingerprint: fingerprint(labels),
  rule: 'slo:fraud-availability:page',
  labels,
  annotations: { summary: 'SLO fraud-availability burns', description: 'why', dashboard_url: 'https://grafana.example/d/1', runbook_url: 'https://runbooks.example/slo' },
  state,
  activeAtMs: 1000,
  firedAtMs: 1000,
  resolvedAtMs: state === 'resolved' ? 5000 : 0,
  lastActiveMs: 1000,
  value: 15,
});
const note = (state: Alert['state']): Notification => ({ receiver: 'r', groupKey: '{}:{alertname="ErrorBudgetBurn"}', groupLabels: { alertname: 'ErrorBudgetBurn' }, alerts: [alert(state)], externalUrl: 'http://mlobs.example', nowMs: 2000, repeatIntervalMs: 3_600_000 });
const signal = () => AbortSignal.timeout(2000);

describe('receivers', () => {
  it('PagerDuty: triggers and resolves one incident per group under the same dedup key, with links', async () => {
    const pd = new PagerDutyNotifier('pd', { url: r.url + '/v2/enqueue', routingKey: 'R0UTING' });
    await pd.notify(note('firing'), signal());
    await pd.notify(note('resolved'), signal());
    const [t, res] = r.bodies.slice(-2).map((b) => b.body);
    expect(t).toMatchObject({ routing_key: 'R0UTING', event_action: 'trigger', payload: { severity: 'critical', summary: '[FIRING:1] SLO fraud-availability burns', source: 'mlobs.example' } });
    expect(t.links).toEqual([{ href: 'https://grafana.example/d/1', text: 'Dashboard' }, { href: 'https://runbooks.example/slo', text: 'Runbook' }]);
    expect(res).toEqual({ routing_key: 'R0UTING', event_action: 'resolve', dedup_key: t.dedup_key });
  });

  it('Slack: one message with the status, one coloured attachment per alert linking the dashboard', async () => {
    await new SlackNotifier('slack', { url: r.url + '/services/T/B/X', channel: '#oncall' }).notify(note('firing'), signal());
    const m = r.bodies.at(-1)!.body;
    expect(m).toMatchObject({ channel: '#oncall', text: '[FIRING:1] ErrorBudgetBurn', attachments: [{ color: 'danger', title_link: 'https://grafana.example/d/1' }] });
    expect(m.attachments[0].text).toContain('Runbook: https://runbooks.example/slo');
  });

  it('Alertmanager: posts to /api/v2/alerts with an endsAt beyond the next resend while firing, the resolution time after', async () => {
    const am = new AlertmanagerNotifier('am', { url: r.url + '/' });
    await am.notify(note('firing'), signal());
    await am.notify(note('resolved'), signal());
    const [f, res] = r.bodies.slice(-2);
    expect(f!.path).toBe('/api/v2/alerts');
    expect(f!.body[0]).toMatchObject({ labels, startsAt: new Date(1000).toISOString(), endsAt: new Date(2000 + 4 * 3_600_000).toISOString() });
    expect(res!.body[0].endsAt).toBe(new Date(5000).toISOString());
  });

  it('classifies failures: 500 and timeouts are retryable, 400 is not', async () => {
    const hook = new WebhookNotifier('w', { url: r.url, maxAlerts: 0 });
    status = 500;
    await expect(hook.notify(note('firing'), signal())).rejects.toMatchObject({ retryable: true, reason: 'http_5xx' });
    status = 400;
    const e = await hook.notify(note('firing'), signal()).catch((x) => x);
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e).toMatchObject({ retryable: false, reason: 'http_4xx' });
    status = 200;
    await expect(new WebhookNotifier('w', { url: 'http://127.0.0.1:1/', maxAlerts: 0 }).notify(note('firing'), signal())).rejects.toMatchObject({ retryable: true, reason: 'network' });
  });
});
