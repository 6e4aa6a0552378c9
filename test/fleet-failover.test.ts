// Three `mlobs up --roles sink,detect` processes on a broker of this file's own, as replicas of one
// deployment: each has its own embedded store, fed from the same topics through its own sink group
// (as replicas of one ClickHouse cluster would be), and one of them holds the detect lease. A webhook
// receiver counts notifications. The leader is killed (SIGKILL) during an SLO breach, and another is
// frozen (SIGSTOP) past its lease and thawed after the next leader paged.
// Broker port: MLOBS_FLEET_KAFKA_PORT (e.g. one started with deploy/kafka/kafka.sh --dir tmp/kafka-PORT), or a free one.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import { startReceiver } from '../alerting/testing/receiver.js';
import { eventually, waitUntil } from './helpers/eventually.js';
import { startOwnKafka } from './helpers/own-kafka.js';
import { freePort, spawnMlobs, waitReady } from './helpers/process.js';

const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const PREFIX = `fleet${RUN}.`;
// Long enough that a heartbeat delayed by a busy machine (stress-ng beside the suite) does not lose the lease.
const SESSION_MS = 12_000;
const EVAL_MS = 1_000;
const dir = mkdtempSync(join(tmpdir(), 'mlobs-fleet-'));

type Proc = ReturnType<typeof spawnMlobs> & { url: string; name: string };
let broker: Awaited<ReturnType<typeof startOwnKafka>>;
let hook: Awaited<ReturnType<typeof startReceiver>>;
let producer: Producer;
const procs: Proc[] = [];

const config = (i: number) => `
kafka: { groupId: sink-${RUN}-${i}, numPartitions: 1 }
sink: { batchMaxWaitMs: 50ms }
fleet: { sessionTimeoutMs: ${SESSION_MS}, heartbeatIntervalMs: 1s, leaseMarginMs: 3s }
alerting:
  evaluationIntervalMs: ${EVAL_MS}
  burnRates: { page: [{ longWindowMs: 2m, shortWindowMs: 5s, budgetShare: 0.02 }], ticket: [{ longWindowMs: 4m, shortWindowMs: 30s, budgetShare: 0.1 }] }
  slos:
    - { name: kill, sli: { type: availability, model: m-kill }, objective: 0.9, periodMs: 1h, ticket: false }
    - { name: freeze, sli: { type: availability, model: m-freeze }, objective: 0.9, periodMs: 1h, ticket: false }
  receivers: [{ name: hook, type: webhook, url: "HOOK" }]
  route: { receiver: hook, groupBy: [alertname, slo], groupWaitMs: 0, groupIntervalMs: 1s, repeatIntervalMs: 1h }
`;

async function start(i: number): Promise<Proc> {
  const file = join(dir, `mlobs-${i}.yaml`);
  writeFileSync(file, config(i).replace('HOOK', hook.url));
  const port = await freePort();
  const child = spawnMlobs(['up', '--roles', 'sink,detect', '--config', file, '--port', String(port), '--data-dir', join(dir, `data-${i}`)], {
    KAFKA_BROKERS: broker.brokers,
    MLOBS_KAFKA_TOPIC_PREFIX: PREFIX,
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  });
  const p = Object.assign(child, { url: `http://127.0.0.1:${port}`, name: `detect-${i}` });
  procs.push(p);
  await waitReady(`${p.url}/readyz`, child, 120_000);
  return p;
}

const alive = () => procs.filter((p) => p.exitCode === null && p.signalCode === null);
async function isLeader(p: Proc): Promise<boolean> {
  const r = await fetch(`${p.url}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
  return ((await r?.json().catch(() => null)) as any)?.roles?.detect?.leader === true;
}
async function metric(p: Proc, name: string): Promise<number> {
  const text = await (await fetch(`${p.url}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((s, l) => s + Number(l.split(' ').pop()), 0);
}
/** The one process leading now; fails when none or several say they lead. */
async function theLeader(among: Proc[], timeoutMs: number): Promise<Proc> {
  const leaders = await eventually(async () => {
    const flags = await Promise.all(among.map(isLeader));
    return among.filter((_, i) => flags[i]);
  }, (l) => l.length === 1, { timeoutMs, intervalMs: 100, what: 'exactly one process leads' });
  return leaders[0]!;
}

let seq = 0;
const publish = (model: string, status: 'ok' | 'error', n: number) =>
  producer.send({
    topic: `${PREFIX}predictions`,
    messages: Array.from({ length: n }, () => ({ value: JSON.stringify({ model, prediction_id: `${model}-${seq++}`, timestamp: Date.now(), features: {}, prediction: 1, status }) })),
  });
/** Publishes every 300 ms until stopped: a breach (errors) or a recovery (ok) that stays current. */
function keepPublishing(model: string, status: 'ok' | 'error') {
  const t = setInterval(() => void publish(model, status, 5).catch(() => {}), 300);
  return () => clearInterval(t);
}
const notes = (slo: string, status: 'firing' | 'resolved') => hook.bodies.filter((b) => b.body?.status === status && b.body?.groupLabels?.slo === slo);

beforeAll(async () => {
  broker = await startOwnKafka('MLOBS_FLEET_KAFKA_PORT');
  hook = await startReceiver();
  producer = new Kafka({ brokers: [broker.brokers], logLevel: logLevel.NOTHING }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await Promise.all([0, 1, 2].map(start));
}, 300_000);

afterAll(async () => {
  for (const p of procs) {
    if (p.exitCode === null && p.signalCode === null) {
      p.kill('SIGCONT');
      p.kill('SIGKILL');
    }
  }
  await producer?.disconnect().catch(() => {});
  await hook?.close();
  await broker?.stop();
}, 120_000);

describe('a fleet of three detect processes', () => {
  it('fails over when the leader is killed during an SLO breach: the page is not sent twice and the resolution still arrives', async () => {
    const leader = await theLeader(procs, 60_000);
    const stopBreach = keepPublishing('m-kill', 'error');
    try {
      await waitUntil(() => notes('kill', 'firing').length >= 1, { timeoutMs: 60_000, what: 'the leader pages' });
      const killedAt = Date.now();
      leader.kill('SIGKILL');
      const survivors = procs.filter((p) => p !== leader);
      const next = await theLeader(survivors, SESSION_MS + 30_000);
      // Took over: it evaluates (a standby never does), starting from the state the old leader wrote.
      await waitUntil(async () => (await metric(next, 'mlobs_alerting_evaluations_total{outcome="ok"}')) >= 1, { timeoutMs: 30_000, intervalMs: 100, what: 'the new leader evaluates' });
      const failoverMs = Date.now() - killedAt;
      console.log(`failover: ${failoverMs} ms from SIGKILL of the leader to the first evaluation on the next (session ${SESSION_MS} ms, evaluation interval ${EVAL_MS} ms)`);
      // Bound: the broker notices after the session timeout; the rebalance, the fencing and reading the
      // state to its end take a few seconds more on a busy machine; then one evaluation interval.
      expect(failoverMs).toBeLessThan(SESSION_MS + EVAL_MS + 10_000);
      const evals = await metric(next, 'mlobs_alerting_evaluations_total');
      await waitUntil(async () => (await metric(next, 'mlobs_alerting_evaluations_total')) >= evals + 3, { timeoutMs: 30_000, what: 'three more evaluations with the breach on' });
      expect(notes('kill', 'firing')).toHaveLength(1);
    } finally {
      stopBreach();
    }
    const stopRecovery = keepPublishing('m-kill', 'ok');
    try {
      await waitUntil(() => notes('kill', 'resolved').length >= 1, { timeoutMs: 180_000, what: 'the resolution arrives from the new leader' });
    } finally {
      stopRecovery();
    }
    expect(notes('kill', 'firing')).toHaveLength(1);
    expect(notes('kill', 'resolved')).toHaveLength(1);
  }, 360_000);

  it('lets a leader frozen past its lease send nothing once thawed, after the next leader paged', async () => {
    const survivors = alive();
    expect(survivors).toHaveLength(2);
    const frozen = await theLeader(survivors, 60_000);
    const other = survivors.find((p) => p !== frozen)!;
    frozen.kill('SIGSTOP');
    const stopBreach = keepPublishing('m-freeze', 'error');
    try {
      await theLeader([other], SESSION_MS + 30_000);
      await waitUntil(() => notes('freeze', 'firing').length >= 1, { timeoutMs: 60_000, what: 'the next leader pages' });
      // Thawed with the breach still on: its timers and its sink resume, and it stored the breach.
      frozen.kill('SIGCONT');
      await waitUntil(async () => (await metric(frozen, 'mlobs_fleet_leader')) === 0 && !(await isLeader(frozen)), { timeoutMs: 30_000, what: 'the thawed process knows it does not lead' });
      const seen = async () => {
        const r = await fetch(`${frozen.url}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: "SELECT count() AS n FROM predictions WHERE model = 'm-freeze' AND status = 'error'" }) });
        return Number(((await r.json()) as any).data?.[0]?.n ?? 0);
      };
      await waitUntil(async () => (await seen()) >= 10, { timeoutMs: 30_000, what: 'the thawed process stored the breach' });
      // Three evaluations of the leader later (its cycle is the clock here), still one page.
      const evals = await metric(other, 'mlobs_alerting_evaluations_total');
      await waitUntil(async () => (await metric(other, 'mlobs_alerting_evaluations_total')) >= evals + 3, { timeoutMs: 30_000, what: 'three more evaluations of the leader' });
    } finally {
      stopBreach();
    }
    expect(notes('freeze', 'firing')).toHaveLength(1);
    expect(await isLeader(other)).toBe(true);
  }, 180_000);
});
