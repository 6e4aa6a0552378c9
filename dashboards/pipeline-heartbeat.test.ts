// A heartbeat (OpenLineage RUNNING/OTHER: the run was seen alive) is no status: a run's last
// status on the pipeline health dashboard is its last real one, even when a heartbeat came later.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testStack } from '../test/helpers/stack.js';
import { buildDashboards } from './build.js';
import { expandQuery } from './testing/macros.js';
import { sqlTargets } from './testing/targets.js';

let s: Awaited<ReturnType<typeof testStack>>;
const now = Date.now();
beforeAll(async () => {
  s = await testStack();
  const ev = (run: string, status: string, at: number) => ({ pipeline: 'hb/etl', run_id: run, status, timestamp: at });
  // h1 failed, then the scheduler sent OTHER (more metadata after the end); h2 succeeded, then RUNNING arrived late.
  const res = await s.post('/v1/pipeline-events', [ev('h1', 'started', now - 60_000), ev('h1', 'failed', now - 50_000), ev('h1', 'heartbeat', now - 40_000), ev('h2', 'started', now - 30_000), ev('h2', 'succeeded', now - 20_000), ev('h2', 'heartbeat', now - 10_000)]);
  expect(res.status).toBe(202);
  await s.drain();
});
afterAll(async () => s?.stop());

const panel = (title: string) => sqlTargets(buildDashboards().filter((d) => d.title === 'Pipeline health')).find((t) => t.panel === title)!;
const query = async (title: string) =>
  (await s.store.readOnlyQuery(expandQuery(panel(title).sql, { fromMs: now - 3_600_000, toMs: now + 60_000, intervalS: 60, vars: { datasource: { values: ['x'], all: false }, pipeline: { values: ['hb/etl'], all: false } } }))).data;

it('counts a failed run as failed and a succeeded run as succeeded when a heartbeat came after their end', async () => {
  expect(await query('Failed runs')).toEqual([{ failed: 1 }]);
  expect((await query('Staleness')).map((r: any) => [r.pipeline, r.last_status])).toEqual([['hb/etl', 'succeeded']]);
});
