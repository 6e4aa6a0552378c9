import { trace, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { EVENT_KINDS, type EventKind } from '../core/schemas/kinds.js';
import { MlobsError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { Metrics } from '../core/metrics.js';
import type { Bus, BusMessage, Consumption } from '../bus/bus.js';
import { toEvent, type DeadLetterQueue } from '../bus/dead-letters.js';
import type { Store } from '../storage/store.js';
import type { ProducerTrust } from '../bus/trust.js';
import { ROW_BUILDERS } from '../storage/rows.js';
import { decodeStage, insertStage, messageId, rowStage, tokenFor, type Rejected } from './stages.js';

export interface SinkOptions {
  kind: EventKind;
  topic: string;
  groupId: string;
  batchMaxRows: number;
  batchMaxWaitMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

export interface SinkDeps {
  bus: Bus;
  store: Store;
  deadLetters: DeadLetterQueue;
  metrics: Metrics;
  logger: Logger;
  tracer?: Tracer;
  now?: () => number;
  random?: () => number;
  /** The oldest event time the kind's table keeps; older events become dead letters. */
  oldestAcceptedMs?: () => number | undefined;
  /** Verifies the header of messages mlobs's own ingest validated; absent, every message is validated. */
  trust?: ProducerTrust;
}

/** Exponential backoff with full jitter, as AWS recommends, capped at maxMs. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(initialMs / 2, ceiling * random());
}

/**
 * Moves one event kind from its topic into its table: decode, validate, insert, and only then commit.
 * Invalid messages become dead letters; storage faults are retried with backoff and nothing is committed meanwhile.
 */
export class Sink {
  private consumption: Consumption | null = null;
  private failingSince: number | null = null;
  private readonly now: () => number;
  private readonly tracer: Tracer;

  constructor(
    readonly opts: SinkOptions,
    private readonly deps: SinkDeps,
  ) {
    if (opts.batchMaxRows < 1) throw new RangeError('batchMaxRows must be >= 1');
    this.now = deps.now ?? Date.now;
    this.tracer = deps.tracer ?? trace.getTracer('mlobs');
  }

  /** True while storage has been refusing this sink's inserts (used for backpressure and readiness). */
  get degraded(): boolean {
    return this.failingSince !== null;
  }

  lag(): number {
    return this.consumption?.lag() ?? 0;
  }

  async start(): Promise<void> {
    const { bus, logger } = this.deps;
    this.consumption = await bus.consume({
      topics: [this.opts.topic],
      groupId: this.opts.groupId,
      maxBatchSize: this.opts.batchMaxRows,
      maxWaitMs: this.opts.batchMaxWaitMs,
      handler: (batch) => this.handle(batch),
      onHandlerError: (err, attempt) => {
        const wait = backoffMs(attempt, this.opts.retryInitialMs, this.opts.retryMaxMs, this.deps.random);
        logger.warn('sink batch failed; retrying', { kind: this.opts.kind, attempt, retryInMs: Math.round(wait), error: errorMessage(err) });
        return wait;
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumption?.stop();
    this.consumption = null;
  }

  /** Handles one batch; rejects (so that it is redelivered) only when storage or the bus failed transiently. */
  handle(batch: BusMessage[]): Promise<void> {
    return this.tracer.startActiveSpan('mlobs.sink.consume', { attributes: { 'mlobs.kind': this.opts.kind, 'mlobs.messages': batch.length } }, async (span) => {
      try {
        await this.handleBatch(batch);
      } catch (e) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(e) });
        throw e;
      } finally {
        span.end();
      }
    });
  }

  private async handleBatch(batch: BusMessage[]): Promise<void> {
    const { kind } = this.opts;
    const decoded = decodeStage(kind, batch, this.deps.oldestAcceptedMs?.(), this.deps.trust);
    if (decoded.rejected.length) await this.keepDead(decoded.rejected);
    const { rows, messages } = rowStage(kind, decoded.events);
    const poison = await insertStage((r, token) => this.insert(r, token), rows, messages, tokenFor(batch));
    if (poison.length) {
      this.deps.logger.warn('storage rejected events; kept as dead letters', { kind, count: poison.length, error: poison[0]!.error });
      await this.keepDead(poison);
    }
  }

  /** One insert attempt, measured and traced; a retryable failure marks the sink degraded. */
  private async insert(rows: object[], token: string): Promise<void> {
    const { store, metrics } = this.deps;
    const { kind } = this.opts;
    await this.tracer.startActiveSpan('mlobs.sink.insert', { attributes: { 'mlobs.kind': kind, 'mlobs.rows': rows.length } }, async (span) => {
      const end = metrics.sinkInsertSeconds.startTimer({ kind });
      try {
        await store.insert(EVENT_KINDS[kind].table, rows, { dedupToken: token });
        end();
        this.failingSince = null;
        metrics.sinkRows.inc({ kind }, rows.length);
        metrics.sinkBatchRows.observe({ kind }, rows.length);
      } catch (e) {
        const err = e instanceof MlobsError ? e : new MlobsError(errorMessage(e), { reason: 'unknown', retryable: true, cause: e });
        metrics.sinkInsertFailures.inc({ kind, reason: err.reason });
        span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
        if (err.retryable) this.failingSince ??= this.now();
        throw err;
      } finally {
        span.end();
      }
    });
  }

  /** Dead-letter stage: rejected messages are kept with their payload and reason. */
  private async keepDead(items: Rejected[]): Promise<void> {
    const { kind } = this.opts;
    const letters = items.map((x) => ({ source: `bus:${x.message.topic}`, reason: x.reason, error: x.error, payload: x.message.value, id: messageId(x.message), receivedAtMs: x.message.timestampMs }));
    if (kind === 'dead_letter') {
      // A malformed message on the dead-letter topic itself is stored directly, not re-queued in a loop.
      const rows = letters.map((d) => ROW_BUILDERS.dead_letter(toEvent({ kind: 'unknown', ...d }), { receivedAtMs: d.receivedAtMs, id: d.id }));
      await this.deps.store.insert(EVENT_KINDS.dead_letter.table, rows);
      for (const x of items) this.deps.metrics.deadLetters.inc({ kind: 'unknown', reason: x.reason });
      return;
    }
    await this.deps.deadLetters.keep(letters.map((d) => ({ kind, ...d })));
  }
}

