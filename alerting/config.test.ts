import { describe, expect, it } from 'vitest';
import { validateConfig } from '../app/config.js';
import { crossCheck } from './config.js';
import { Silences } from './silences.js';

const bad = (alerting: object) => {
  try {
    validateConfig({ alerting });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('config was accepted');
};
const slo = (extra: object = {}) => ({ name: 'a', sli: { type: 'availability', model: 'm' }, objective: 0.99, ...extra });

describe('alerting config validation', () => {
  it('accepts an empty section with the SRE workbook windows as defaults', () => {
    const c = validateConfig({}).alerting;
    expect(c.burnRates.page.map((w) => [w.longWindowMs, w.shortWindowMs, w.budgetShare])).toEqual([[3_600_000, 300_000, 0.02], [21_600_000, 1_800_000, 0.05]]);
    expect(c.burnRates.ticket.map((w) => [w.longWindowMs, w.shortWindowMs, w.budgetShare])).toEqual([[86_400_000, 7_200_000, 0.1], [259_200_000, 21_600_000, 0.1]]);
    expect(c.evaluationIntervalMs).toBe(1000);
  });

  it('refuses an objective outside (0, 1) and says how to write 99.5 %', () => {
    expect(bad({ slos: [slo({ objective: 99.5 })] })).toMatch(/alerting\.slos\.0\.objective: must be in \(0, 1\), e\.g\. 0\.995 for 99\.5 %/);
    expect(bad({ slos: [slo({ objective: 1 })] })).toMatch(/objective/);
  });

  it('names an unknown receiver in the route, with the declared ones', () => {
    expect(bad({ receivers: [{ name: 'pager', type: 'pagerduty', routingKey: 'k' }], route: { receiver: 'pager', routes: [{ receiver: 'slack' }] } })).toMatch(
      /alerting\.route\.routes\.0\.receiver: unknown receiver "slack"; declared: pager/,
    );
  });

  it('names an unknown GPU metric, an unknown rule kind, a bad matcher and a bad duration', () => {
    expect(bad({ rules: [{ name: 'X', kind: 'gpu_metric', metric: 'DCGM_FI_DEV_GPU_TEMPERATURE', op: '>', value: 1 }] })).toMatch(/unknown GPU metric "DCGM_FI_DEV_GPU_TEMPERATURE"; known: DCGM_FI_DEV_GPU_UTIL/);
    expect(bad({ rules: [{ name: 'X', kind: 'gpu_fire' }] })).toMatch(/alerting\.rules\.0\.kind/);
    expect(bad({ inhibitRules: [{ sourceMatchers: ['severity=page!'], targetMatchers: ['a="b"'] }] })).toMatch(/not a matcher/);
    expect(bad({ rules: [{ name: 'X', kind: 'gpu_xid', forMs: 'soon' }] })).toMatch(/alerting\.rules\.0\.forMs: not a duration: "soon"/);
  });

  it('names an unknown model when known models are listed, and an unknown pipeline always', () => {
    expect(bad({ models: ['fraud'], slos: [slo()] })).toMatch(/alerting\.slos\.0\.sli\.model: unknown model "m"; known: fraud/);
    const c = validateConfig({ pipelines: [{ name: 'daily' }], alerting: { slos: [slo({ sli: { type: 'freshness', pipeline: 'hourly' } })], rules: [{ name: 'F', kind: 'pipeline_failed', pipeline: 'weekly' }] } });
    expect(crossCheck(c.alerting, c.pipelines)).toEqual([
      'alerting.slos.0.sli.pipeline: unknown pipeline "hourly"; declared under pipelines: daily',
      'alerting.rules.0.pipeline: unknown pipeline "weekly"; declared under pipelines: daily',
    ]);
  });

  it('refuses windows in the wrong order and a budget share outside (0, 1]', () => {
    expect(bad({ burnRates: { page: [{ longWindowMs: '5m', shortWindowMs: '1h', budgetShare: 0.02 }] } })).toMatch(/shortWindowMs must be shorter than longWindowMs/);
    expect(bad({ burnRates: { page: [{ longWindowMs: '1h', shortWindowMs: '5m', budgetShare: 2 }] } })).toMatch(/budgetShare: must be in \(0, 1\]/);
  });
});

describe('silences', () => {
  it('read startsAt and endsAt in the shared time syntax and name a bad one', () => {
    const s = new Silences(() => {});
    const now = Date.parse('2026-11-26T12:00:00Z');
    const made = s.create({ matchers: ['alertname="GpuIdle"'], startsAt: 'now', endsAt: 'now+2h', createdBy: 'ana', comment: 'x' }, now);
    expect([made.startsAtMs, made.endsAtMs]).toEqual([now, now + 7_200_000]);
    expect(() => s.create({ matchers: ['a="b"'], endsAt: 'soon', createdBy: 'ana', comment: 'x' }, now)).toThrow(/^endsAt: not a time: "soon" \(use ISO 8601/);
    expect(() => s.create({ matchers: ['a="b"'], endsAt: 'now-1h', createdBy: 'ana', comment: 'x' }, now)).toThrow(/startsAt must be before endsAt/);
  });

  it('refuse a second silence with the same matchers over an overlapping time, but allow one after it', () => {
    const s = new Silences(() => {});
    const first = s.create({ matchers: ['alertname="GpuIdle"', 'pod="a"'], startsAt: 0, endsAt: 1000, createdBy: 'ana', comment: 'x' }, 0);
    expect(() => s.create({ matchers: ['pod="a"', 'alertname="GpuIdle"'], startsAt: 500, endsAt: 2000, createdBy: 'bo', comment: 'y' }, 0)).toThrow(new RegExp(`overlaps silence ${first.id}`));
    expect(s.create({ matchers: ['alertname="GpuIdle"', 'pod="a"'], startsAt: 1000, endsAt: 2000, createdBy: 'bo', comment: 'y' }, 0).id).not.toBe(first.id);
    expect(s.silencing({ alertname: 'GpuIdle', pod: 'a', gpu: '1' }, 10)).toEqual([first.id]);
    s.expire(first.id, 20);
    expect(s.silencing({ alertname: 'GpuIdle', pod: 'a' }, 21)).toEqual([]);
  });
});
