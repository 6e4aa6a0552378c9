import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import type { Store } from '../storage/store.js';
import type { NflogEntry } from './dispatch/dispatcher.js';
import type { Alert } from './lifecycle.js';
import type { AlertingMetrics } from './metrics.js';
import type { Silence } from './silences.js';

/**
 * Writes alert state, silences and the notification log to ClickHouse, in order, off the hot path:
 * a failed write is logged and counted and the in-memory state stays authoritative.
 */
export class StateStore {
  private chain: Promise<void> = Promise.resolve();
  private version = 0;
  constructor(private readonly store: Store, private readonly deps: { logger: Logger; metrics: AlertingMetrics; now: () => number }) {}

  async loadAlerts(): Promise<Alert[]> {
    const rows = await this.store.query<Record<string, any>>(
      `SELECT fingerprint, rule, labels, annotations, state, active_at_ms, fired_at_ms, resolved_at_ms, last_active_ms, value FROM ${this.store.database}.alerting_alerts FINAL WHERE state IN ('pending', 'firing', 'resolved')`,
    );
    return rows.map((r) => ({
      fingerprint: r.fingerprint,
      rule: r.rule,
      labels: r.labels,
      annotations: r.annotations,
      state: r.state,
      activeAtMs: Number(r.active_at_ms),
      firedAtMs: Number(r.fired_at_ms),
      resolvedAtMs: Number(r.resolved_at_ms),
      lastActiveMs: Number(r.last_active_ms),
      value: Number(r.value),
    }));
  }

  async loadSilences(): Promise<Silence[]> {
    const rows = await this.store.query<Record<string, any>>(`SELECT * FROM ${this.store.database}.alerting_silences FINAL`);
    return rows.map((r) => ({
      id: r.id,
      matchers: r.matchers,
      startsAtMs: Number(r.starts_at_ms),
      endsAtMs: Number(r.ends_at_ms),
      createdBy: r.created_by,
      comment: r.comment,
      updatedAtMs: Number(r.updated_at_ms),
    }));
  }

  async loadNflog(): Promise<NflogEntry[]> {
    const rows = await this.store.query<Record<string, any>>(`SELECT * FROM ${this.store.database}.alerting_nflog FINAL`);
    return rows.map((r) => ({ receiver: r.receiver, groupKey: r.group_key, firing: r.firing, resolved: r.resolved, sentAtMs: Number(r.sent_at_ms) }));
  }

  /** Stores alerts as they are now; `removed` ones are written as 'inactive' so a restart does not revive them. */
  saveAlerts(changed: readonly Alert[], removed: readonly Alert[] = []): void {
    if (!changed.length && !removed.length) return;
    const row = (a: Alert, state: string) => ({
      fingerprint: a.fingerprint,
      rule: a.rule,
      labels: a.labels,
      annotations: a.annotations,
      state,
      active_at_ms: a.activeAtMs,
      fired_at_ms: a.firedAtMs,
      resolved_at_ms: a.resolvedAtMs,
      last_active_ms: a.lastActiveMs,
      value: Number.isFinite(a.value) ? a.value : 0,
      version: this.nextVersion(),
    });
    const rows = [...changed.map((a) => row(a, a.state)), ...removed.map((a) => row(a, 'inactive'))];
    this.write('alerting_alerts', rows);
  }

  saveSilence(s: Silence): void {
    this.write('alerting_silences', [
      { id: s.id, matchers: s.matchers, starts_at_ms: s.startsAtMs, ends_at_ms: s.endsAtMs, created_by: s.createdBy, comment: s.comment, updated_at_ms: s.updatedAtMs, version: this.nextVersion() },
    ]);
  }

  saveNflog(e: NflogEntry): void {
    this.write('alerting_nflog', [{ receiver: e.receiver, group_key: e.groupKey, firing: e.firing, resolved: e.resolved, sent_at_ms: e.sentAtMs, version: this.nextVersion() }]);
  }

  /** Resolves once every write queued so far has finished (or failed). */
  flush(): Promise<void> {
    return this.chain;
  }

  // Versions must grow even within one millisecond, and across restarts (hence the clock).
  private nextVersion(): number {
    this.version = Math.max(this.version + 1, this.deps.now() * 1000);
    return this.version;
  }

  private write(table: string, rows: object[]): void {
    this.chain = this.chain.then(() =>
      this.store.insert(table, rows).catch((e) => {
        this.deps.metrics.persistFailures.inc();
        this.deps.logger.error('alerting state write failed', { table, rows: rows.length, error: errorMessage(e) });
      }),
    );
  }
}
