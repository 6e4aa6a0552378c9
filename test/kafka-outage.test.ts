// A Kafka outage against a real broker: this file starts its OWN broker (not the test command's on
// 19092, which other files share), stops it for a while mid-stream and starts it again.
// Port: MLOBS_OUTAGE_KAFKA_PORT, or a free one (the controller listener takes the next port too).
// Run once per Kafka client of the data path (kafka.client), one after the other on the same broker.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feed, testStack } from './helpers/stack.js';
import { REPO, freePort } from './helpers/process.js';
import { waitUntil } from './helpers/eventually.js';
import { KAFKA_DATA_CLIENTS } from '../bus/kafka-bus.js';

const run = promisify(execFile);
const PUBLISH_TIMEOUT_MS = 2_000;
// Every answer must come within this: the publish bound plus room for a busy machine.
const ANSWER_BOUND_MS = 2 * PUBLISH_TIMEOUT_MS;
const OUTAGE_MS = 15_000;
const BATCH = 50;
const RUN = Date.now().toString(36);

const kafkaDir = mkdtempSync(join(tmpdir(), 'mlobs-outage-kafka-'));
let port = 0;
const kafka = (cmd: 'start' | 'stop') => run('bash', [join(REPO, 'deploy/kafka/kafka.sh'), cmd, '--port', String(port), '--dir', kafkaDir], { timeout: 120_000 });

const portFree = (p: number) =>
  new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(p, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

async function pickPort(): Promise<number> {
  if (process.env.MLOBS_OUTAGE_KAFKA_PORT) return Number(process.env.MLOBS_OUTAGE_KAFKA_PORT);
  for (let i = 0; i < 20; i++) {
    const p = await freePort();
    if (p < 65534 && (await portFree(p + 1))) return p;
  }
  throw new Error('no two adjacent free ports for the outage broker');
}

/** Waits until `check()` holds; throws with `what` when `timeoutMs` passes first. */
const until = (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000) => waitUntil(check, { timeoutMs, what, intervalMs: 20 });

beforeAll(async () => {
  port = await pickPort();
  await kafka('start');
}, 180_000);

afterAll(async () => {
  await kafka('stop').catch(() => {});
  rmSync(kafkaDir, { recursive: true, force: true });
}, 120_000);

describe.each(KAFKA_DATA_CLIENTS)('a Kafka outage, with the %s client', (client) => {
  const MODEL = `outage-${client}-${RUN}`;
  let stack: Awaited<ReturnType<typeof testStack>> | null = null;
  beforeAll(async () => {
    // The previous client's run may have ended with the broker stopped by a failed test.
    await kafka('start').catch(() => {});
    stack = await testStack({
      kafka: { brokers: [`127.0.0.1:${port}`], topicPrefix: `${MODEL}.`, groupId: `${MODEL}-sink`, publishTimeoutMs: PUBLISH_TIMEOUT_MS, client },
    });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  }, 120_000);

  it('answers 503 with Retry-After within the publish bound while the broker is down, and stores every event exactly once after it returns', async () => {
    const s = stack!;
    const ts = Date.now() - 60_000;
    let nextId = 0;
    const figures = { requests: 0, accepted: 0, unavailable: 0, other: 0, maxLatencyMs: 0, maxLatencyDuringOutageMs: 0 };
    const unexpected: string[] = [];
    let outage: { from: number; to: number | null } | null = null;
    let sample503: { retryAfter: string | null; body: any } | null = null;
    let acceptedAfterOutage = 0;
    // Set only when the test already failed: batches stop retrying so the failure surfaces at once.
    let abandon = false;

    // Like a real producer: a batch is posted until it is accepted, waiting Retry-After after a 503.
    const sendBatch = async () => {
      const first = nextId;
      nextId += BATCH;
      const body = Array.from({ length: BATCH }, (_, k) => ({ model: MODEL, prediction_id: `p-${first + k}`, timestamp: ts + first + k, prediction: 1 }));
      while (!abandon) {
        const t0 = Date.now();
        let status = 0;
        let retryAfter: string | null = null;
        let json: any = null;
        try {
          // The abort only keeps a hung request from hanging the test: it counts as an answer past the bound.
          const res = await fetch(s.url + '/v1/predictions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
          status = res.status;
          retryAfter = res.headers.get('retry-after');
          json = await res.json();
        } catch (e) {
          unexpected.push(`request failed: ${(e as Error).message}`);
        }
        const latency = Date.now() - t0;
        figures.requests++;
        figures.maxLatencyMs = Math.max(figures.maxLatencyMs, latency);
        if (outage && outage.to === null) figures.maxLatencyDuringOutageMs = Math.max(figures.maxLatencyDuringOutageMs, latency);
        if (status === 202) {
          figures.accepted++;
          if (outage?.to) acceptedAfterOutage++;
          return;
        }
        if (status === 503) {
          figures.unavailable++;
          sample503 ??= { retryAfter, body: json };
          await new Promise((r) => setTimeout(r, 1000 * Math.max(1, Number(retryAfter) || 1)));
          continue;
        }
        if (status !== 0) {
          figures.other++;
          unexpected.push(`HTTP ${status}: ${JSON.stringify(json)}`);
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    };
    let lastReadyz: unknown = null;
    const readyz = async () => {
      const res = await fetch(s.url + '/readyz');
      const r = { status: res.status, body: (await res.json()) as { problems: string[] } };
      lastReadyz = r;
      return r;
    };

    expect((await readyz()).status).toBe(200);
    const feeder = feed(sendBatch, 100);
    try {
      await until('20 batches were accepted before the outage', () => figures.accepted >= 20, 30_000);

      outage = { from: Date.now(), to: null };
      await kafka('stop');
      const before = figures.unavailable;
      await until('requests were answered 503 during the outage', () => figures.unavailable >= before + 5, 30_000);
      let readyDown: { status: number; body: { problems: string[] } } | null = null;
      await until('/readyz reported the bus down', async () => {
        const r = await readyz();
        if (r.status === 503 && r.body.problems.some((p) => p.includes('kafka'))) readyDown = r;
        return readyDown !== null;
      }, 30_000);
      // The outage lasts OUTAGE_MS in total: this wait is the scenario, not a synchronisation.
      const outageFrom = outage.from;
      await new Promise((r) => setTimeout(r, Math.max(0, outageFrom + OUTAGE_MS - Date.now())));
      await kafka('start');
      outage.to = Date.now();

      await until('a batch was accepted after the broker returned', () => acceptedAfterOutage > 0, 60_000);
      await until('/readyz is ready again', async () => (await readyz()).status === 200, 60_000);
      await feeder.stop();

      const sent = nextId;
      const stored = async () => (await s.sql<{ c: number }>('SELECT count() c FROM predictions FINAL WHERE model = {m:String}', { m: MODEL }))[0]!.c;
      await until(`storage holds all ${sent} events`, async () => (await stored()) >= sent, 60_000);
      const [ids] = await s.sql<{ n: number; u: number; lo: number; hi: number; bad: number }>(
        `SELECT count() n, uniqExact(prediction_id) u, min(toUInt64OrNull(substring(prediction_id, 3))) lo,
                max(toUInt64OrNull(substring(prediction_id, 3))) hi, countIf(NOT match(prediction_id, '^p-[0-9]+$')) bad
         FROM predictions FINAL WHERE model = {m:String}`,
        { m: MODEL },
      );
      const [raw] = await s.sql<{ n: number }>('SELECT count() n FROM predictions WHERE model = {m:String}', { m: MODEL });

      console.log(
        `kafka outage (${client}): ${figures.requests} requests, ${figures.accepted} accepted, ${figures.unavailable} answered 503, ` +
          `max latency ${figures.maxLatencyMs} ms (${figures.maxLatencyDuringOutageMs} ms during the outage, bound ${ANSWER_BOUND_MS} ms), ` +
          `outage ${outage.to - outage.from} ms, ${sent} events sent, ${ids!.n} stored with FINAL, ${raw!.n} rows without FINAL`,
      );
      expect(unexpected).toEqual([]);
      expect(figures.maxLatencyMs).toBeLessThanOrEqual(ANSWER_BOUND_MS);
      expect(sample503).not.toBeNull();
      expect(Number(sample503!.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(sample503!.body.reason).toBe('kafka_unavailable');
      expect(sample503!.body.error).toContain(`127.0.0.1:${port}`);
      expect(readyDown!.body.problems.join('; ')).toContain(`127.0.0.1:${port}`);
      // Exactly the sent set, each once: ids p-0 … p-(sent-1), all distinct, nothing else.
      expect(ids).toEqual({ n: sent, u: sent, lo: 0, hi: sent - 1, bad: 0 });
      expect(raw!.n).toBeGreaterThanOrEqual(sent);
    } catch (e) {
      console.log('kafka outage (failed):', JSON.stringify({ ...figures, outage, sample503, lastReadyz, unexpected: unexpected.slice(0, 5) }));
      abandon = true;
      await feeder.stop();
      throw e;
    }
  }, 240_000);
});
