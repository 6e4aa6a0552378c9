/**
 * High-cardinality categorical features: same-distribution data must not alarm, a real shift into
 * new categories must. Runs the report's own per-feature code (featureReport) on category counts
 * built as the engine's inventory builds them (top maxCategories by count, the rest lumped).
 */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../app/config.js';
import { rng } from '../../demo/traffic.js';
import { driftTable } from '../cli/format.js';
import type { DriftConfig } from '../config.js';
import type { FeatureData } from '../engine/collect.js';
import { featureReport } from './feature.js';
import type { DriftReport, FeatureReport } from './types.js';

const base = validateConfig({}).drift;
const legacy: DriftConfig = { ...base, sparse: { minExpected: 0, noiseAlpha: 0 } };

/** n draws, uniform over K categories; a share `shift` of them instead uniform over `fresh` categories absent from the rest. */
function draw(seed: number, n: number, k: number, shift = 0, fresh = 5): string[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => (r() < shift ? `new${Math.floor(r() * fresh)}` : `c${Math.floor(r() * k)}`));
}

/** The feature as the inventory pass hands it over: the most frequent maxCategories categories, the rest only in the totals. */
function featureOf(ref: string[], cur: string[], maxCategories: number): FeatureData {
  const counts = new Map<string, [number, number]>();
  for (const v of ref) (counts.get(v) ?? counts.set(v, [0, 0]).get(v)!)[0]++;
  for (const v of cur) (counts.get(v) ?? counts.set(v, [0, 0]).get(v)!)[1]++;
  const kept = [...counts].sort((a, b) => b[1][0] + b[1][1] - (a[1][0] + a[1][1]) || (a[0] < b[0] ? -1 : 1)).slice(0, maxCategories);
  const side = (n: number) => ({ rows: n, numeric: 0, categorical: n, nulls: 0, type: 'categorical' as const });
  return { name: 'sku', reference: side(ref.length), current: side(cur.length), categories: new Map(kept), categoriesTruncated: kept.length < counts.size };
}

function verdict(ref: string[], cur: string[], cfg: DriftConfig = base): FeatureReport {
  return featureReport(featureOf(ref, cur, cfg.maxCategories), { cfg, model: undefined, requested: ['auto'] });
}

const CARDINALITIES = [10, 100, 1000, 5000];
// 3,000 per side is the case of the issue; 1,500 and 20,000 bracket it. All are above smallSampleMax, so JS decides.
const SIZES = [1500, 3000, 20_000];
const RUNS = 100;

/** Share of seeded same-distribution runs that alarm. */
function falseAlarms(k: number, n: number, cfg: DriftConfig = base, runs = RUNS): number {
  let alarms = 0;
  for (let seed = 1; seed <= runs; seed++) if (verdict(draw(seed * 2, n, k), draw(seed * 2 + 1, n, k), cfg).drifted) alarms++;
  return alarms / runs;
}

describe('high-cardinality categorical features', () => {
  it('called 5,000 equally likely categories at 3,000 rows per side drifted before sparse cells were pooled (the reported bug)', () => {
    const f = verdict(draw(1, 3000, 5000), draw(2, 3000, 5000), legacy);
    expect(f.decided_by).toBe('js');
    expect(f.results[0]!.statistic!).toBeGreaterThan(0.35);
    expect(f.drifted).toBe(true);
  });

  it.each(CARDINALITIES.flatMap((k) => SIZES.map((n) => [k, n] as const)))(
    'raise no alarm in 95 percent or more of seeded same-distribution runs with %i categories and %i rows per side',
    (k, n) => {
      expect(falseAlarms(k, n)).toBeLessThanOrEqual(0.05);
    },
  );

  it('keep the p-value tests (chi-square below smallSampleMax values) at their significance level on sparse tables', () => {
    // 400 rows per side: chi2 decides; pooling makes its χ² approximation valid, so alarms stay near 5 %.
    for (const k of CARDINALITIES) {
      const rate = falseAlarms(k, 400, base, 200);
      expect(verdict(draw(1, 400, k), draw(2, 400, k)).decided_by).toBe('chi2');
      // 5 % plus three binomial standard errors of 200 runs.
      expect(rate, `${k} categories`).toBeLessThanOrEqual(0.05 + 3 * Math.sqrt((0.05 * 0.95) / 200));
    }
  });

  it.each(CARDINALITIES.flatMap((k) => SIZES.map((n) => [k, n] as const)))(
    'still catch 10 percent of the mass moving into new categories with %i categories and %i rows per side',
    (k, n) => {
      let caught = 0;
      for (let seed = 1; seed <= 20; seed++) {
        const f = verdict(draw(seed * 2, n, k), draw(seed * 2 + 1, n, k, 0.1));
        if (f.drifted) caught++;
        expect(f.unseen_categories).toEqual(expect.arrayContaining(['new0', 'new1', 'new2', 'new3', 'new4']));
      }
      expect(caught).toBe(20);
    },
  );

  it('pools only sparse cells: well-filled categories keep their own cells', () => {
    const f = verdict(draw(1, 20_000, 10), draw(2, 20_000, 10));
    expect(f.results[0]!.details).toMatchObject({ categories: 10, cells: 10, pooled_categories: 0 });
    const sparse = verdict(draw(1, 3000, 1000), draw(2, 3000, 1000));
    expect(sparse.results[0]!.details.pooled_categories).toBeGreaterThan(500);
  });

  it('calls a distance at its threshold no drift when sampling noise explains it, and says so', () => {
    // 100 categories at 1,500 rows per side: JS of two same-distribution samples is ~0.16, above 0.1.
    const f = verdict(draw(3, 1500, 100), draw(4, 1500, 100));
    const js = f.results[0]!;
    expect(js.statistic!).toBeGreaterThan(js.threshold!);
    expect(js).toMatchObject({ method: 'js', drifted: false, details: { within_noise: true } });
    expect(js.details.noise_p_value as number).toBeGreaterThanOrEqual(0.01);
    expect(f.drifted).toBe(false);
  });

  it('lists the first few categories not in the reference on the terminal, then how many more', () => {
    const f = verdict(draw(1, 3000, 50), draw(2, 3000, 50, 0.2, 400));
    expect(f.unseen_categories!.length).toBeGreaterThan(300);
    const report = {
      model: 'm', window: { from: 'a', to: 'b', rows: 3000 }, reference: { type: 'window', from: 'c', to: 'd', rows: 3000 }, segment: null, methods: ['auto'],
      dataset: { drifted: true, drifted_share: 1, share_threshold: 0.5, features_evaluated: 1, features_drifted: 1, features_skipped: [], correction: 'none' },
      features: [f], problems: [], elapsed_ms: 1,
    } satisfies DriftReport;
    const line = driftTable(report).split('\n').find((l) => l.includes('categories not in the reference'))!;
    expect(line).toMatch(new RegExp(`^sku: ${f.unseen_categories!.length} categories not in the reference: ${f.unseen_categories!.slice(0, 5).join(', ')} and ${f.unseen_categories!.length - 5} more$`));
  });
});
