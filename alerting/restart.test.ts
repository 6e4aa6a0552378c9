import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, feed, testStack } from '../test/helpers/stack.js';
import { startReceiver } from './testing/receiver.js';

const dataDir = mkdtempSync(join(tmpdir(), 'mlobs-alert-restart-'));
let hook: Awaited<ReturnType<typeof startReceiver>>;
const config = () => ({
  storage: { dataDir },
  alerting: {
    evaluationIntervalMs: 100,
    burnRates: { page: [{ longWindowMs: 60_000, shortWindowMs: 3000, budgetShare: 0.02 }], ticket: [{ longWindowMs: 120_000, shortWindowMs: 6000, budgetShare: 0.1 }] },
    slos: [{ name: 'api-availability', sli: { type: 'availability' as const, model: 'api' }, objective: 0.9, periodMs: '1h', ticket: false }],
    receivers: [{ name: 'hook', type: 'webhook' as const, url: hook.url }],
    route: { receiver: 'hook', groupWaitMs: 0, groupIntervalMs: 300 },
  },
});
let n = 0;
const preds = (status: string, count: number) => Array.from({ length: count }, () => ({ model: 'api', prediction_id: `r${n++}`, timestamp: Date.now(), features: {}, prediction: 1, status }));

beforeAll(async () => {
  hook = await startReceiver();
});
afterAll(async () => hook?.close());

describe('alert state across a restart', () => {
  it('neither re-pages nor forgets a firing alert, and still sends its resolution after the restart', async () => {
    let s = await testStack(config());
    try {
      await s.post('/v1/predictions', preds('error', 20));
      await hook.waitFor(1, 60_000);
      expect(hook.bodies[0]!.body.status).toBe('firing');
      const before = ((await (await fetch(`${s.url}/v1/alerts`)).json()) as any).alerts;
      expect(before).toHaveLength(1);
      await s.stop();

      s = await testStack(config());
      // Several evaluation and dispatch cycles with the breach still in the windows.
      const after = await eventually(
        async () => ((await (await fetch(`${s.url}/v1/alerts`)).json()) as any).alerts,
        (as: any[]) => as.length === 1,
        30_000,
      );
      expect(after[0]).toMatchObject({ fingerprint: before[0].fingerprint, state: 'firing', startsAt: before[0].startsAt });
      // Ten evaluation cycles of the restarted engine (each followed by dispatch ticks) with the breach
      // still in the windows: counted, not timed, so a busy machine cannot cut the check short.
      const cycles = async () => Number(/^mlobs_alerting_evaluations_total\{outcome="ok"\} (\d+)/m.exec(await (await fetch(`${s.url}/metrics`)).text())?.[1] ?? 0);
      await eventually(cycles, (c) => c >= 10, { timeoutMs: 60_000, what: 'ten evaluation cycles after the restart' });
      expect(hook.bodies).toHaveLength(1);

      const feeder = feed(() => s.post('/v1/predictions', preds('ok', 10)), 200);
      try {
        await hook.waitFor(2, 60_000);
      } finally {
        await feeder.stop();
      }
      expect(hook.bodies[1]!.body).toMatchObject({ status: 'resolved', alerts: [{ fingerprint: before[0].fingerprint, status: 'resolved' }] });
    } finally {
      await s.stop();
    }
  }, 240_000);

  it('creates, lists and expires silences through the API, refusing overlaps and bad input with a reason', async () => {
    const s = await testStack(config());
    try {
      const post = (body: object) => s.post('/v1/silences', body);
      const res = await post({ matchers: ['slo="api-availability"'], endsAt: Date.now() + 3_600_000, createdBy: 'ana', comment: 'deploy' });
      expect(res.status).toBe(201);
      const sil = (await res.json()) as any;
      expect(sil).toMatchObject({ createdBy: 'ana', comment: 'deploy', matchers: ['slo="api-availability"'] });
      const dup = await post({ matchers: ['slo="api-availability"'], endsAt: Date.now() + 7_200_000, createdBy: 'bo', comment: 'again' });
      expect(dup.status).toBe(409);
      expect(((await dup.json()) as any).error).toMatch(new RegExp(`overlaps silence ${sil.id}`));
      const bad = await post({ matchers: ['slo=~"("'], endsAt: Date.now() + 1000, createdBy: 'x', comment: 'y' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as any).error).toMatch(/bad regular expression/);
      const noAuthor = await post({ matchers: ['a="b"'], endsAt: Date.now() + 1000, comment: 'y' });
      expect(((await noAuthor.json()) as any).error).toMatch(/createdBy/);
      const list = (await (await fetch(`${s.url}/v1/silences`)).json()) as any;
      expect(list.silences.map((x: any) => [x.id, x.state])).toContainEqual([sil.id, 'active']);
      const del = await fetch(`${s.url}/v1/silences/${sil.id}`, { method: 'DELETE' });
      expect(((await del.json()) as any).state).toBeUndefined();
      const after = (await (await fetch(`${s.url}/v1/silences`)).json()) as any;
      expect(after.silences.find((x: any) => x.id === sil.id).state).toBe('expired');
      expect((await fetch(`${s.url}/v1/silences/nope`, { method: 'DELETE' })).status).toBe(404);
    } finally {
      await s.stop();
    }
  });
});
