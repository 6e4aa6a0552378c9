import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../app/config.js';
import { testStack } from '../../test/helpers/stack.js';
import { driftReport } from '../report/report.js';
import { DAY, day, normals, postAll, predictions } from '../testing/data.js';
import { profileGroups } from './profile.js';

describe('profileGroups', () => {
  it('cuts features into groups of at most maxValues reference values, in name order', () => {
    const counts = new Map([
      ['c', 40],
      ['a', 60],
      ['b', 50],
      ['d', 10],
    ]);
    expect(profileGroups(counts, 100)).toEqual([['a'], ['b', 'c', 'd']]);
    expect(profileGroups(counts, 1000)).toEqual([['a', 'b', 'c', 'd']]);
  });

  it('gives a feature with more values than maxValues a group of its own', () => {
    expect(profileGroups(new Map([['a', 5], ['big', 500], ['c', 5]]), 100)).toEqual([['a'], ['big'], ['c']]);
  });
});

// Three numerical features, 2,000 reference and 2,000 current rows (6,000 reference values in all).
let s: Awaited<ReturnType<typeof testStack>>;
const REF = day(3);
const CUR = day(4);
beforeAll(async () => {
  s = await testStack({});
  await postAll(s.post, '/v1/predictions', predictions('p', 'r', REF, { a: normals(1, 2000), b: normals(2, 2000, 3, 2, 1), c: normals(3, 2000, 0, 1, 2) }));
  await postAll(s.post, '/v1/predictions', predictions('p', 'c', CUR, { a: normals(4, 2000, 0.1), b: normals(5, 2000, 3, 2, 1), c: normals(6, 2000, 0.2, 1, 2) }));
  await s.drain();
}, 60_000);
afterAll(async () => s?.stop());

describe('numeric profile in groups', () => {
  it('gives the same report when the features are profiled one group at a time to bound the engine memory', async () => {
    const base = validateConfig({}).drift;
    const req = { model: 'p', fromMs: CUR, toMs: CUR + DAY, reference: { type: 'window' as const, from: REF, to: REF + DAY }, methods: ['ks', 'wasserstein', 'psi', 'js'] as never };
    const noMv = { ...base, multivariate: { ...base.multivariate, methods: [] } };
    const whole = await driftReport({ store: s.store, config: noMv }, req);
    // At most 2,500 reference values per query: each feature (2,000 values) in its own group.
    let profiles = 0;
    const query = s.store.query.bind(s.store);
    s.store.query = (async (sql: string, params?: never) => {
      if (sql.includes('quantilesExactInclusiveIf')) profiles++;
      return query(sql, params);
    }) as typeof s.store.query;
    try {
      const grouped = await driftReport({ store: s.store, config: { ...noMv, profileMaxValues: 2500 } }, req);
      expect(profiles).toBe(3);
      expect(grouped.features).toEqual(whole.features);
    } finally {
      s.store.query = query;
    }
  }, 60_000);
});
