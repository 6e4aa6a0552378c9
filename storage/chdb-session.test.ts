import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from './clickhouse.js';
import type { Store } from './store.js';

// A statement that fails while it is already writing its result, in both result formats the store reads.
const FAILS_MID_OUTPUT = 'SELECT number, throwIf(number = 300000) FROM numbers(400000)';

describe('an embedded store after a statement failed while writing its result', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ database: 'resync', dataDir: mkdtempSync(join(tmpdir(), 'mlobs-resync-')) });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('answers the next read-only query with its own result, not the failed one\'s leftovers', async () => {
    await expect(store.readOnlyQuery(FAILS_MID_OUTPUT)).rejects.toThrow(/throwIf/);
    expect((await store.readOnlyQuery('SELECT 1 AS one')).data).toEqual([{ one: 1 }]);
    await expect(store.readOnlyQuery('SELECT number FROM numbers(2000000)')).rejects.toThrow(/Limit for result exceeded/);
    expect((await store.readOnlyQuery('SELECT 3 AS three')).data).toEqual([{ three: 3 }]);
  });

  it('answers the next query on the writer session with its own rows', async () => {
    await expect(store.query(FAILS_MID_OUTPUT)).rejects.toThrow(/throwIf/);
    expect(await store.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
  });

  it('keeps concurrent callers apart when one of them fails', async () => {
    const results = await Promise.allSettled([store.query(FAILS_MID_OUTPUT), store.query('SELECT 5 AS five'), store.query('SELECT 6 AS six')]);
    expect(results[0]!.status).toBe('rejected');
    expect(results.slice(1).map((r) => (r as PromiseFulfilledResult<unknown>).value)).toEqual([[{ five: 5 }], [{ six: 6 }]]);
  });
});
