import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, feed, testStack } from '../test/helpers/stack.js';
import { startAlertmanager } from './testing/stack.js';

// Minute-scale windows so that a breach and its recovery happen within the test: page when 2 % of a
// 1-hour budget burns within 60 s (factor 1.2, threshold 12 % errors) and within 5 s.
const alerting = {
  evaluationIntervalMs: 200,
  burnRates: { page: [{ longWindowMs: 60_000, shortWindowMs: 5000, budgetShare: 0.02 }], ticket: [{ longWindowMs: 120_000, shortWindowMs: 10_000, budgetShare: 0.1 }] },
  slos: [{ name: 'scorer-availability', service: 'scoring', sli: { type: 'availability' as const, model: 'scorer' }, objective: 0.9, periodMs: '1h', ticket: false, annotations: { runbookUrl: 'https://runbooks.example/slo' } }],
  receivers: [] as object[],
  route: { receiver: 'am', groupWaitMs: 0, groupIntervalMs: 500 },
};

let am: Awaited<ReturnType<typeof startAlertmanager>>;
let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  am = await startAlertmanager();
  alerting.receivers = [{ name: 'am', type: 'alertmanager', url: am.url }];
  s = await testStack({ alerting: alerting as any });
});
afterAll(async () => {
  await s?.stop();
  await am?.stop();
});

let n = 0;
const predictions = (status: string, count: number) =>
  Array.from({ length: count }, () => ({ model: 'scorer', prediction_id: `p${n++}`, timestamp: Date.now(), features: {}, prediction: 1, status }));

describe('delivery to a real Prometheus Alertmanager', () => {
  it('shows an SLO breach caused by ingested error predictions, with its labels, and resolves it after recovery', async () => {
    await s.post('/v1/predictions', [...predictions('ok', 5), ...predictions('error', 20)]);
    const firing = await eventually(am.alerts, (as) => as.some((a) => a.labels.slo === 'scorer-availability'), 20_000);
    const a = firing.find((x) => x.labels.slo === 'scorer-availability');
    expect(a, am.output()).toBeDefined();
    expect(a.labels).toEqual({ alertname: 'ErrorBudgetBurn', slo: 'scorer-availability', severity: 'page', sli: 'availability', model: 'scorer', service: 'scoring' });
    expect(a.status.state).toBe('active');
    expect(a.annotations.runbook_url).toBe('https://runbooks.example/slo');
    expect(a.annotations.summary).toMatch(/scorer-availability is burning its error budget/);
    expect(a.generatorURL).toMatch(/\/v1\/alerts\?fingerprint=/);

    const api = (await (await fetch(`${s.url}/v1/alerts?state=firing`)).json()) as any;
    expect(api.alerts).toHaveLength(1);
    expect(api.alerts[0]).toMatchObject({ state: 'firing', labels: a.labels, startsAt: expect.any(String), why: expect.stringMatching(/over 1m and .* over 5s/) });

    // Recovery: only good predictions from now on; the 5 s window clears first.
    const feeder = feed(() => s.post('/v1/predictions', predictions('ok', 10)), 250);
    try {
      const after = await eventually(am.alerts, (as) => !as.some((x) => x.labels.slo === 'scorer-availability'), 30_000);
      expect(after.filter((x) => x.labels.slo === 'scorer-availability')).toEqual([]);
    } finally {
      await feeder.stop();
    }
    const resolved = (await (await fetch(`${s.url}/v1/alerts`)).json()) as any;
    expect(resolved.alerts[0]).toMatchObject({ state: 'resolved', endsAt: expect.any(String) });
    const slo = (await (await fetch(`${s.url}/v1/slo`)).json()) as any;
    expect(slo.slos[0]).toMatchObject({ slo: 'scorer-availability', objective: 0.9 });
    expect(slo.slos[0].budgetRemaining).toBeLessThan(1);
  });
});
