import { describe, expect, it } from 'vitest';
import { validateConfig } from '../app/config.js';
import { validateCostConfig } from './service.js';

const H100 = 'NVIDIA H100 80GB HBM3';
const refuse = (cost: unknown) => () => validateConfig({ cost });

describe('cost options', () => {
  it('have defaults that need no configuration', () => {
    expect(validateConfig({}).cost).toMatchObject({ currency: 'USD', prices: [], idleUtilisationThreshold: 0.05, maxSampleIntervalMs: 60_000, models: [] });
  });

  it('read durations and ISO times', () => {
    const c = validateCostConfig({ maxSampleIntervalMs: '90s', prices: [{ gpuModel: H100, perHour: 2, from: '2026-11-01T00:00:00Z' }] });
    expect(c.maxSampleIntervalMs).toBe(90_000);
    expect(c.prices[0]!.from).toBe(Date.parse('2026-11-01T00:00:00Z'));
  });

  it('validate again unchanged once parsed', () => {
    const c = validateCostConfig({ prices: [{ gpuModel: H100, perHour: 2, from: '2026-11-01' }], maxSampleIntervalMs: '2m' });
    expect(validateCostConfig(c)).toEqual(c);
  });

  it.each([
    [{ prices: [{ gpuModel: H100, perHour: -1 }] }, 'cost.prices.0.perHour: must not be negative'],
    [{ prices: [{ gpuModel: H100, perHour: 'two' }] }, 'cost.prices.0.perHour: must be a number (price per GPU-hour), got "two"'],
    [{ prices: [{ gpuModel: H100 }] }, 'cost.prices.0.perHour: must be a number'],
    [{ defaultPerHour: -0.5 }, 'cost.defaultPerHour: must not be negative'],
    [{ prices: [{ gpuModel: H100, perHour: 1, from: '2026-11-02', to: '2026-11-01' }] }, 'cost.prices.0.to: to must be after from'],
    [{ prices: [{ gpuModel: H100, perHour: 1, from: 'November' }] }, 'cost.prices.0.from: not an ISO 8601 time: "November"'],
    [{ prices: [{ gpuModel: H100, perHour: 1 }, { gpuModel: H100, perHour: 2, from: '2026-11-01' }] }, 'cost.prices.1: overlaps prices.0 for "NVIDIA H100 80GB HBM3"'],
    [{ maxSampleIntervalMs: '0s' }, 'cost.maxSampleIntervalMs: must be a positive duration'],
    [{ idleUtilisationThreshold: 5 }, 'cost.idleUtilisationThreshold'],
    [{ models: [{ model: 'm', pod: '(' }] }, 'cost.models.0.pod: not a valid regular expression'],
    [{ models: [{ model: 'm' }] }, 'cost.models.0: needs namespace, pod, deployment or labels'],
    [{ teams: { rules: [{ team: 't', labels: {} }] } }, 'cost.teams.rules.0.labels: needs at least one label'],
    [{ teams: { rules: [{ team: 't', labels: { 'app.kubernetes.io/part-of': '' } }] } }, 'must not be empty: an empty label is no label'],
    [{ teams: { byNamespce: {} } }, 'cost.teams'],
  ])('refuse %j, naming the key', (cost, message) => {
    expect(refuse(cost)).toThrow(message);
    expect(() => validateCostConfig(cost as never)).toThrow(message);
  });
});
