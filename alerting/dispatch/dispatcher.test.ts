import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { silentLogger } from '../../core/log.js';
import { alertingConfigSchema, type AlertingConfigInput } from '../config.js';
import { fingerprint } from '../fingerprint.js';
import { compileInhibitRules } from '../inhibit.js';
import type { Alert } from '../lifecycle.js';
import { createAlertingMetrics } from '../metrics.js';
import { notifierFor } from '../notifiers/index.js';
import { Silences } from '../silences.js';
import { Dispatcher, type NflogEntry } from './dispatcher.js';
import { compileRoute } from './route.js';
import { startReceiver } from '../testing/receiver.js';

const receivers: Awaited<ReturnType<typeof startReceiver>>[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});
async function receiver(answer?: (n: number) => number | 'hang') {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

function alert(labels: Record<string, string>, state: Alert['state'] = 'firing', at = 1000): Alert {
  return { fingerprint: fingerprint(labels), rule: labels.alertname!, labels, annotations: { summary: 's' }, state, activeAtMs: at, firedAtMs: at, resolvedAtMs: state === 'resolved' ? at + 1 : 0, lastActiveMs: at, value: 1 };
}

function dispatcher(input: AlertingConfigInput, nflog = new Map<string, NflogEntry>()) {
  const cfg = alertingConfigSchema.parse(input);
  const registry = new Registry();
  const metrics = createAlertingMetrics(registry);
  const silences = new Silences(() => {});
  const d = new Dispatcher(compileRoute(cfg.route!), {
    notifiers: new Map(cfg.receivers.map((r) => [r.name, notifierFor(r)])),
    sendResolved: (n) => cfg.receivers.find((r) => r.name === n)!.sendResolved,
    retry: cfg.delivery,
    externalUrl: 'http://mlobs.test',
    silences,
    inhibitRules: compileInhibitRules(cfg.inhibitRules),
    nflog,
    persistNflog: () => {},
    metrics,
    logger: silentLogger,
  });
  const sent = async (receiver: string, outcome: string) => (await metrics.notifications.get()).values.find((v) => v.labels.receiver === receiver && v.labels.outcome === outcome)?.value ?? 0;
  return { d, silences, sent, registry, nflog };
}

const fastDelivery = { timeoutMs: 300, retryInitialMs: 10, retryMaxMs: 40, maxAttempts: 3 };

describe('the notification pipeline', () => {
  it('waits group_wait, sends one Alertmanager version-4 webhook payload per group, and does not repeat before repeat_interval', async () => {
    const r = await receiver();
    const { d } = dispatcher({
      receivers: [{ name: 'hook', type: 'webhook', url: r.url + '/hook' }],
      route: { receiver: 'hook', groupBy: ['alertname'], groupWaitMs: 500, groupIntervalMs: 1000, repeatIntervalMs: 10_000 },
    });
    const a1 = alert({ alertname: 'GpuHot', gpu: '0', severity: 'warning' });
    const a2 = alert({ alertname: 'GpuHot', gpu: '1', severity: 'warning' });
    d.update([a1, a2], 0);
    expect(d.tick(499)).toHaveLength(0);
    await Promise.all(d.tick(500));
    expect(r.bodies).toHaveLength(1);
    const p = r.bodies[0]!.body;
    expect(p).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'hook',
      groupLabels: { alertname: 'GpuHot' },
      commonLabels: { alertname: 'GpuHot', severity: 'warning' },
      commonAnnotations: { summary: 's' },
      externalURL: 'http://mlobs.test',
      truncatedAlerts: 0,
    });
    expect(p.groupKey).toContain('alertname="GpuHot"');
    expect(p.alerts.map((a: any) => a.fingerprint).sort()).toEqual([a1.fingerprint, a2.fingerprint].sort());
    expect(p.alerts[0]).toMatchObject({ status: 'firing', startsAt: new Date(1000).toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: expect.stringContaining('http://mlobs.test/v1/alerts?fingerprint=') });
    d.update([a1, a2], 1500);
    await Promise.all(d.tick(1500));
    expect(r.bodies).toHaveLength(1); // nothing new: deduplicated
    await Promise.all(d.tick(10_500));
    expect(r.bodies).toHaveLength(2); // repeat_interval passed
  });

  it('sends the resolution at the next group_interval and then forgets the alert', async () => {
    const r = await receiver();
    const { d } = dispatcher({ receivers: [{ name: 'hook', type: 'webhook', url: r.url }], route: { receiver: 'hook', groupWaitMs: 0, groupIntervalMs: 1000 } });
    const a = alert({ alertname: 'PipelineFailed', pipeline: 'p' });
    d.update([a], 0);
    await Promise.all(d.tick(0));
    a.state = 'resolved';
    a.resolvedAtMs = 700;
    d.update([a], 700);
    expect(d.tick(700)).toHaveLength(0);
    await Promise.all(d.tick(1000));
    expect(r.bodies.map((b) => b.body.status)).toEqual(['firing', 'resolved']);
    expect(r.bodies[1]!.body.alerts[0].endsAt).toBe(new Date(700).toISOString());
    d.update([a], 2000);
    expect(d.tick(5000)).toHaveLength(0);
  });

  it('routes by label to the first matching child, continues where asked, and mutes silenced alerts', async () => {
    const pager = await receiver();
    const chat = await receiver();
    const all = await receiver();
    const { d, silences } = dispatcher({
      receivers: [
        { name: 'pager', type: 'webhook', url: pager.url },
        { name: 'chat', type: 'webhook', url: chat.url },
        { name: 'all', type: 'webhook', url: all.url },
      ],
      route: {
        receiver: 'all',
        groupWaitMs: 0,
        routes: [
          { matchers: ['team="ml"'], receiver: 'all', continue: true },
          { matchers: ['severity=~"page|critical"'], receiver: 'pager' },
          { matchers: ['severity="page"'], receiver: 'chat' },
          { matchers: ['severity!="page"'], receiver: 'chat' },
        ],
      },
    });
    silences.create({ matchers: ['gpu="7"'], endsAt: 60_000, createdBy: 'ana', comment: 'maintenance' }, 0);
    d.update([alert({ alertname: 'A', severity: 'page', team: 'ml' }), alert({ alertname: 'B', severity: 'warning' }), alert({ alertname: 'C', severity: 'warning', gpu: '7' })], 0);
    await Promise.all(d.tick(0));
    expect(pager.bodies.map((b) => b.body.groupLabels.alertname)).toEqual(['A']);
    expect(chat.bodies.map((b) => b.body.groupLabels.alertname)).toEqual(['B']);
    expect(all.bodies.map((b) => b.body.groupLabels.alertname)).toEqual(['A']);
  });

  it('applies configured inhibition: a failed pipeline mutes drift alerts of the models it feeds', async () => {
    const r = await receiver();
    const { d } = dispatcher({
      receivers: [{ name: 'hook', type: 'webhook', url: r.url }],
      route: { receiver: 'hook', groupWaitMs: 0, groupBy: ['...'] },
      inhibitRules: [{ sourceMatchers: ['alertname="PipelineFailed"'], targetMatchers: ['alertname="FeatureDrift"'], equal: ['pipeline'] }],
    });
    const failed = alert({ alertname: 'PipelineFailed', pipeline: 'features' });
    const drift = alert({ alertname: 'FeatureDrift', pipeline: 'features', model: 'fraud' });
    const other = alert({ alertname: 'FeatureDrift', pipeline: 'other', model: 'churn' });
    d.update([failed, drift, other], 0);
    expect(d.muted(drift, 0).inhibitedBy).toBe(failed.fingerprint);
    await Promise.all(d.tick(0));
    expect(r.bodies.map((b) => b.body.alerts[0].labels.alertname + ':' + (b.body.alerts[0].labels.model ?? '')).sort()).toEqual(['FeatureDrift:churn', 'PipelineFailed:']);
  });

  it('retries a receiver answering 500 with backoff, counts it, and delivers once it recovers', async () => {
    const r = await receiver((n) => (n < 2 ? 500 : 200));
    const { d, registry, sent } = dispatcher({ receivers: [{ name: 'flaky', type: 'webhook', url: r.url }], route: { receiver: 'flaky', groupWaitMs: 0 }, delivery: fastDelivery });
    d.update([alert({ alertname: 'A' })], 0);
    await Promise.all(d.tick(0));
    expect(r.hits()).toBe(3);
    expect(r.bodies).toHaveLength(1);
    expect(await sent('flaky', 'sent')).toBe(1);
    expect(await registry.getSingleMetricAsString('mlobs_alerting_notification_retries_total')).toContain('reason="http_5xx"} 2');
  });

  it('gives up on a hanging webhook after bounded attempts without delaying another receiver, and tries again at the next group_interval', async () => {
    const hang = await receiver(() => 'hang');
    const good = await receiver();
    const { d, sent } = dispatcher({
      receivers: [
        { name: 'hang', type: 'webhook', url: hang.url },
        { name: 'good', type: 'webhook', url: good.url },
      ],
      route: { receiver: 'good', groupWaitMs: 0, groupIntervalMs: 1000, routes: [{ matchers: ['x="1"'], receiver: 'hang', continue: true }, { receiver: 'good' }] },
      delivery: fastDelivery,
    });
    d.update([alert({ alertname: 'A', x: '1' })], 0);
    const t0 = Date.now();
    const deliveries = d.tick(0);
    await good.waitFor(1);
    expect(Date.now() - t0).toBeLessThan(250); // not behind the hanging receiver's 300 ms timeout
    await Promise.all(deliveries);
    expect(hang.hits()).toBe(3);
    expect(await sent('hang', 'failed')).toBe(1);
    // Not recorded as sent, so the alert is offered again at the next flush: never lost.
    expect(d.tick(1000)).toHaveLength(1);
  });

  it('does not re-page after a restart that restored its notification log', async () => {
    const r = await receiver();
    const cfg = { receivers: [{ name: 'hook', type: 'webhook' as const, url: r.url }], route: { receiver: 'hook', groupWaitMs: 0 } };
    const first = dispatcher(cfg);
    const a = alert({ alertname: 'A' });
    first.d.update([a], 0);
    await Promise.all(first.d.tick(0));
    const second = dispatcher(cfg, first.nflog);
    second.d.update([a], 5000);
    await Promise.all(second.d.tick(5000));
    expect(r.bodies).toHaveLength(1);
  });
});
