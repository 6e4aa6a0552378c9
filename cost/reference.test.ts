import { describe, expect, it } from 'vitest';
import { validateCostConfig } from './service.js';
import { pureReport } from './testing/pure-report.js';
import type { CostReport } from './report.js';
import type { GpuReading } from './usage.js';
import { parseCostQuery, type GroupBy } from './query.js';
import { EXPECTED_BY_COMPONENT, EXPECTED_BY_TEAM, EXPECTED_COST_BY, EXPECTED_TOTAL, EXPECTED_UNOBSERVED_HOURS, FLEET_COST_CONFIG, HOUR, T0, fleetReadings } from './testdata/fleet.js';

const config = validateCostConfig(FLEET_COST_CONFIG);
const NOW = T0 + 24 * HOUR;

const referenceReport = (readings: readonly GpuReading[], by: GroupBy, from = T0, to = T0 + 4 * HOUR): CostReport =>
  pureReport(readings, config, parseCostQuery({ by, from: String(from), to: String(to) }, NOW));


describe('the reference integration over the hand-computed fleet', () => {
  const report = referenceReport(fleetReadings(), 'team');

  it('matches the hand-computed figures of every team to the cent', () => {
    const got = Object.fromEntries(report.groups.map((g) => [g.group, { gpuHours: g.gpuHours, allocatedGpuHours: g.allocatedGpuHours, busyGpuHours: g.busyGpuHours, idleGpuHours: g.idleGpuHours, cost: g.cost, busyCost: g.busyCost, idleCost: g.idleCost }]));
    expect(got).toEqual(EXPECTED_BY_TEAM);
    expect(report.groups.map((g) => g.group)).toEqual(['fraud', '(unallocated)', 'research', 'eta']);
  });

  it('matches the hand-computed fleet total, and the groups add up to it in every column', () => {
    expect(report.total).toMatchObject(EXPECTED_TOTAL);
    expect(report.total).toMatchObject({ efficiency: 0.4176, avgUtilisation: 0.305 });
    for (const col of ['gpuHours', 'allocatedGpuHours', 'busyGpuHours', 'idleGpuHours', 'cost', 'busyCost', 'idleCost'] as const) {
      const sum = report.groups.reduce((a, g) => a + g[col], 0);
      expect(Math.round(sum * 1e6)).toBe(Math.round(report.total[col] * 1e6));
    }
  });

  it('reports the scrape gap as unobserved time instead of billing or dropping it', () => {
    expect(report.unobserved.gpuHours).toBe(EXPECTED_UNOBSERVED_HOURS);
    expect(report.unobserved.gpus).toEqual([{ hostname: 'n2', uuid: 'GPU-C', gpuIId: '', gpuHours: EXPECTED_UNOBSERVED_HOURS }]);
  });

  it('reports GPU time without a pod as unattributed', () => {
    expect(report.unattributed).toEqual({ gpuHours: 3.588095, cost: 6.02, fraction: 0.2697 });
  });

  it('compares with the previous period of the same length', () => {
    expect(report.previous).toMatchObject({ from: '2026-11-19T20:00:00.000Z', to: '2026-11-20T00:00:00.000Z', costChange: 16.82, costChangePct: 350.42 });
    expect(report.previous.total!.cost).toBe(4.8);
    expect(report.groups.find((g) => g.group === 'fraud')).toMatchObject({ previousCost: 4.8, costChange: 4.8 });
  });

  it.each(Object.entries(EXPECTED_COST_BY))('matches the hand-computed cost per %s', (by, expected) => {
    const r = referenceReport(fleetReadings(), by as GroupBy);
    expect(Object.fromEntries(r.groups.map((g) => [g.group, g.cost]))).toEqual(expected);
    expect(r.total.cost).toBe(21.62);
  });

  it('groups by a pod label to the cent, writing its Kubernetes key, and the groups add up to the total in every column', () => {
    const r = referenceReport(fleetReadings(), 'label:app.kubernetes.io/component');
    const got = Object.fromEntries(r.groups.map((g) => [g.group, { gpuHours: g.gpuHours, allocatedGpuHours: g.allocatedGpuHours, busyGpuHours: g.busyGpuHours, idleGpuHours: g.idleGpuHours, cost: g.cost, busyCost: g.busyCost, idleCost: g.idleCost }]));
    expect(got).toEqual(EXPECTED_BY_COMPONENT);
    expect(r.total).toMatchObject(EXPECTED_TOTAL);
    for (const col of ['gpuHours', 'allocatedGpuHours', 'busyGpuHours', 'idleGpuHours', 'cost', 'busyCost', 'idleCost'] as const) {
      expect(Math.round(r.groups.reduce((a, g) => a + g[col], 0) * 1e6)).toBe(Math.round(r.total[col] * 1e6));
    }
    // The label as it is on the series names the same grouping.
    expect(referenceReport(fleetReadings(), 'label:app_kubernetes_io_component').groups).toEqual(r.groups);
  });

  it('maps a team by pod label before its namespace, and moves exactly that pod\'s cost', () => {
    const rules = [{ team: 'ml-platform', labels: { 'app.kubernetes.io/component': 'training', 'app.kubernetes.io/part-of': 'fraud' } }, ...FLEET_COST_CONFIG.teams!.rules!];
    const moved = validateCostConfig({ ...FLEET_COST_CONFIG, teams: { ...FLEET_COST_CONFIG.teams, rules } });
    const r = pureReport(fleetReadings(), moved, parseCostQuery({ by: 'team', from: String(T0), to: String(T0 + 4 * HOUR) }, NOW));
    expect(Object.fromEntries(r.groups.map((g) => [g.group, g.cost]))).toEqual({ fraud: 6, '(unallocated)': 6.02, research: 4.2, 'ml-platform': 3.6, eta: 1.8 });
  });

  it('counts a reading delivered twice once', () => {
    const twice = [...fleetReadings(), ...fleetReadings()];
    expect(referenceReport(twice, 'team').groups).toEqual(report.groups);
  });
});
