import { createHash } from 'node:crypto';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Metrics } from '../../core/metrics.js';
import { validateEvent } from '../../core/schemas/validate.js';
import { toEvent } from '../../bus/dead-letters.js';
import { buildRow } from '../../storage/rows.js';
import type { Store } from '../../storage/store.js';
import { joinPredictions, type Half, type JoinOutcome, type ModelVersions } from './join.js';

export interface JoinerOptions {
  joinWaitMs: number;
  joinIntervalMs: number;
  lookbackMs: number;
  modelVersions: ModelVersions;
  /** Most inferences joined per round; a full round is followed by another at once. */
  batchSize?: number;
}

export interface JoinerDeps {
  store: Store;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  /** True when the kserve_event sink has stored everything published so far. */
  sinkIdle: () => boolean;
  /** The oldest prediction time the predictions table keeps. */
  oldestPredictionMs: () => number | undefined;
}

/**
 * Joins the halves that the kserve_event sink stored (kserve_halves) into predictions, in the engine's
 * tables rather than in an ingest replica's memory: replicas stay stateless, and any one joiner sees
 * both halves whichever replica took them. An inference is joined once both halves are there, or
 * once its first half has waited joinWaitMs (a request alone → no_response; a response alone, e.g.
 * `mode: response` → response_only).
 *
 * Exactly once: the predictions are inserted first, then a row per inference in kserve_joins, which
 * later rounds skip; a half that comes again (redelivered by Kafka, posted twice) finds its inference
 * there and makes nothing. A crash between the two inserts makes the next round insert the same
 * predictions again: same sorting key (model, time, id), so they collapse, and with the same set of
 * inferences the same insert_deduplication_token drops the block outright.
 *
 * The wait is measured against a watermark, not the wall clock alone: while the sink is behind, the
 * newest stored half's arrival, so that a response still queued on the bus is not declared missing.
 */
export class KserveJoiner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly opts: JoinerOptions,
    private readonly deps: JoinerDeps,
  ) {
    if (opts.lookbackMs <= opts.joinWaitMs) throw new RangeError('lookbackMs must exceed joinWaitMs');
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      this.running = this.round().then(
        () => undefined,
        (e) => this.deps.logger.warn('kserve join round failed; retrying', { error: errorMessage(e) }),
      );
      await this.running;
      if (!this.stopped) this.timer = setTimeout(loop, this.opts.joinIntervalMs);
    };
    this.timer = setTimeout(loop, this.opts.joinIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Joins what is ready now; resolves to the number of inferences joined. Public for tests. */
  async round(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.joinBatch();
      total += n;
      if (n < (this.opts.batchSize ?? 5000)) break;
    }
    while ((await this.keepLateHalves()) >= (this.opts.batchSize ?? 5000));
    return total;
  }

  /**
   * A half that arrives after its inference was joined without it (the response of a `no_response`,
   * the request of a `response_only`) cannot change predictions already stored and alerted on. It is
   * kept as a dead letter (reason late_half, its body in the payload, so that it can be read or
   * replayed) and counted in mlobs_kserve_dropped_total{reason="late_half"}, once: the dead letter's
   * id marks it done. Resolves to the number of halves kept this way.
   */
  private async keepLateHalves(): Promise<number> {
    const { store, now } = this.deps;
    const nowMs = now();
    const from = nowMs - this.opts.lookbackMs;
    const rows = await store.query<LateRow>(LATE_HALVES(store.database), { from, limit: this.opts.batchSize ?? 5000 });
    if (rows.length === 0) return 0;
    const dead = rows.map((r) => {
      const id = lateHalfId(r);
      const error = `${r.half} half arrived after its inference was joined as ${r.outcome} (collectors.kserve.joinWaitMs passed); its predictions are already stored, so this half is kept here and not joined`;
      const payload = JSON.stringify({ model: r.model, component: r.component, id: r.id, [r.half]: r.data });
      return buildRow('dead_letter', toEvent({ id, kind: 'kserve_event', source: 'kserve:join', reason: 'late_half', error, payload, receivedAtMs: nowMs }), { receivedAtMs: nowMs, id });
    });
    const token = 'kserve-late-' + createHash('sha256').update(rows.map(lateHalfId).sort().join('\n')).digest('hex').slice(0, 32);
    await store.insert('dead_letters', dead, { dedupToken: token });
    this.deps.metrics.kserveDropped.inc({ reason: 'late_half' }, rows.length);
    return rows.length;
  }

  private async joinBatch(): Promise<number> {
    const { store, now } = this.deps;
    const db = store.database;
    const nowMs = now();
    const from = nowMs - this.opts.lookbackMs;
    const watermark = this.deps.sinkIdle() ? nowMs : await this.newestArrival(from, nowMs);
    const rows = await store.query<CandidateRow>(CANDIDATES(db), { from, deadline: watermark - this.opts.joinWaitMs, limit: this.opts.batchSize ?? 5000 });
    if (rows.length === 0) return 0;

    const predictions: object[] = [];
    const dead: object[] = [];
    const joins: object[] = [];
    const outcomes = new Map<JoinOutcome, number>();
    const oldestMs = this.deps.oldestPredictionMs();
    for (const r of rows) {
      const half = (which: 'request' | 'response'): Half | undefined =>
        Number(r[`has_${which}`]) ? { id: r.id, model: r.model, component: r.component, namespace: r.namespace, endpoint: r.endpoint, tsMs: Number(r[`${which}_ts`]), data: r[`${which}_data`] } : undefined;
      const key = `kserve:${r.model}/${r.component}/${r.id}`;
      let made: ReturnType<typeof joinPredictions> | undefined;
      try {
        made = joinPredictions(half('request'), half('response'), this.opts.modelVersions);
      } catch (e) {
        dead.push(deadLetter(key, 'unreadable_body', errorMessage(e), r, nowMs));
      }
      let kept = 0;
      for (const p of made?.predictions ?? []) {
        const v = validateEvent('prediction', p, { oldestMs });
        if (v.ok) {
          predictions.push(buildRow('prediction', v.event, { receivedAtMs: nowMs, id: key }));
          kept++;
        } else dead.push(deadLetter(`${key}#${String(p.prediction_id)}`, v.reason, `${String(p.prediction_id)}: ${v.error}`, r, nowMs));
      }
      const outcome = made?.outcome ?? 'joined';
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      joins.push({ model: r.model, component: r.component, id: r.id, outcome, predictions: kept, joined_at: (nowMs / 1000).toFixed(3) });
    }
    const token = 'kserve-join-' + createHash('sha256').update(rows.map((r) => `${r.model}\u0000${r.component}\u0000${r.id}\u0000${r.has_request}${r.has_response}`).sort().join('\n')).digest('hex').slice(0, 32);
    if (predictions.length) await store.insert('predictions', predictions, { dedupToken: token });
    if (dead.length) await store.insert('dead_letters', dead, { dedupToken: token });
    await store.insert('kserve_joins', joins, { dedupToken: token });
    for (const [outcome, n] of outcomes) this.deps.metrics.kserveJoined.inc({ outcome }, n);
    return rows.length;
  }

  private async newestArrival(from: number, nowMs: number): Promise<number> {
    const [r] = await this.deps.store.query<{ t: number | string }>(
      `SELECT toUnixTimestamp64Milli(max(received_at)) AS t FROM ${this.deps.store.database}.kserve_halves WHERE received_at > fromUnixTimestamp64Milli({from:Int64})`,
      { from },
    );
    const t = Number(r?.t ?? 0);
    return t > 0 ? Math.min(t, nowMs) : from;
  }
}

type CandidateRow = {
  model: string; component: string; id: string; namespace: string; endpoint: string;
  has_request: number; has_response: number; request_ts: number | string; response_ts: number | string; request_data: string; response_data: string;
};

// One row per inference not yet joined whose halves are both stored, or whose first half arrived
// before the deadline. A half stored twice (a re-post) groups with itself.
const CANDIDATES = (db: string) => `
SELECT model, component, id, any(namespace) AS namespace, any(endpoint) AS endpoint,
  countIf(half = 'request') > 0 AS has_request, countIf(half = 'response') > 0 AS has_response,
  toUnixTimestamp64Milli(minIf(ts, half = 'request')) AS request_ts, toUnixTimestamp64Milli(minIf(ts, half = 'response')) AS response_ts,
  anyIf(data, half = 'request') AS request_data, anyIf(data, half = 'response') AS response_data
FROM ${db}.kserve_halves
WHERE received_at > fromUnixTimestamp64Milli({from:Int64})
  AND (model, component, id) NOT IN (SELECT model, component, id FROM ${db}.kserve_joins WHERE joined_at > fromUnixTimestamp64Milli({from:Int64}))
GROUP BY model, component, id
HAVING (has_request AND has_response) OR min(received_at) <= fromUnixTimestamp64Milli({deadline:Int64})
ORDER BY min(received_at)
LIMIT {limit:UInt32}`;

type LateRow = { model: string; component: string; id: string; half: 'request' | 'response'; outcome: string; data: string };
const lateHalfId = (r: { model: string; component: string; id: string; half: string }) => `kserve:${r.model}/${r.component}/${r.id}#late-${r.half}`;

// Halves of inferences joined without them, not yet kept as dead letters (their id says so). The
// late half of a no_response is its response, of a response_only its request: looked up by the
// halves table's sorting key, so that this query, which runs every round, reads only those halves'
// granules and not a day of bodies.
const LATE_HALVES = (db: string) => `
SELECT model, component, id, half, if(half = 'response', 'no_response', 'response_only') AS outcome, any(data) AS data
FROM ${db}.kserve_halves
WHERE received_at > fromUnixTimestamp64Milli({from:Int64})
  AND (model, component, id, half) IN (
    SELECT model, component, id, if(outcome = 'no_response', 'response', 'request') FROM (
      SELECT model, component, id, argMax(outcome, joined_at) AS outcome FROM ${db}.kserve_joins
      WHERE joined_at > fromUnixTimestamp64Milli({from:Int64}) GROUP BY model, component, id HAVING outcome != 'joined'))
  AND concat('kserve:', model, '/', component, '/', id, '#late-', half) NOT IN (
    SELECT id FROM ${db}.dead_letters WHERE kind = 'kserve_event' AND reason = 'late_half' AND received_at > fromUnixTimestamp64Milli({from:Int64}))
GROUP BY model, component, id, half
LIMIT {limit:UInt32}`;

function deadLetter(id: string, reason: string, error: string, r: CandidateRow, nowMs: number): object {
  const payload = JSON.stringify({ model: r.model, component: r.component, id: r.id, request: r.request_data || null, response: r.response_data || null });
  return buildRow('dead_letter', toEvent({ id, kind: 'kserve_event', source: 'kserve:join', reason, error, payload, receivedAtMs: nowMs }), { receivedAtMs: nowMs, id });
}
