import type { Logger } from '../../core/log.js';
import type { Alert } from '../lifecycle.js';
import { pick } from '../fingerprint.js';
import { inhibitedBy, type InhibitRule } from '../inhibit.js';
import type { Labels } from '../matchers.js';
import type { AlertingMetrics } from '../metrics.js';
import { deliver, type RetryOptions } from '../notifiers/retry.js';
import type { Notifier } from '../notifiers/types.js';
import type { Silences } from '../silences.js';
import { matchRoutes, type Route } from './route.js';

/** What was last delivered to a receiver for a group: the dedup state, persisted so restarts do not re-page. */
export interface NflogEntry {
  receiver: string;
  groupKey: string;
  firing: string[];
  resolved: string[];
  sentAtMs: number;
}

interface Group {
  key: string;
  route: Route;
  labels: Labels;
  alerts: Map<string, Alert>;
  nextFlushAtMs: number;
  inFlight: boolean;
}

export interface DispatcherDeps {
  notifiers: Map<string, Notifier>;
  sendResolved: (receiver: string) => boolean;
  retry: RetryOptions;
  externalUrl: string;
  silences: Silences;
  inhibitRules: InhibitRule[];
  nflog: Map<string, NflogEntry>;
  persistNflog: (e: NflogEntry) => void;
  /**
   * Records the intent to notify before delivering (the fleet's notification log, under the leader's
   * fencing producer). When it rejects, nothing is delivered: a leader that was replaced cannot page.
   */
  beforeDeliver?: (e: NflogEntry) => Promise<void>;
  /** Undoes a recorded intent after the delivery failed for good: `previous` is what the log held before. */
  afterFailed?: (e: NflogEntry, previous: NflogEntry | undefined) => void;
  metrics: AlertingMetrics;
  logger: Logger;
  /** Wall clock for measuring delivery time; the dispatcher's own `now` comes from its callers. */
  clock?: () => number;
}

const labelString = (l: Labels) => `{${Object.keys(l).sort().map((k) => `${k}=${JSON.stringify(l[k])}`).join(',')}}`;
const nflogKey = (receiver: string, groupKey: string) => `${receiver}\u0000${groupKey}`;

/**
 * The notification pipeline after evaluation: route → group (group_wait, group_interval,
 * repeat_interval) → mute (silences, inhibition) → dedup against the notification log → deliver with
 * retries. Each group delivers on its own promise, so a slow or failing receiver delays no other.
 */
export class Dispatcher {
  private readonly groups = new Map<string, Group>();
  private current: Alert[] = [];
  private stopped = false;
  constructor(private readonly root: Route | undefined, private readonly deps: DispatcherDeps) {}

  /** Takes the alerts of the latest evaluation; pending alerts are not notified. */
  update(alerts: readonly Alert[], now: number): void {
    this.current = alerts.filter((a) => a.state !== 'pending');
    if (!this.root) return;
    for (const a of this.current) {
      for (const route of matchRoutes(this.root, a.labels)) {
        const labels = route.groupBy.includes('...') ? a.labels : pick(a.labels, route.groupBy);
        const key = `${route.id}:${labelString(labels)}`;
        let g = this.groups.get(key);
        // A resolved alert only matters to a group that knew it firing: it is the news of its end.
        if (a.state === 'resolved' && !g?.alerts.has(a.fingerprint)) continue;
        if (!g) {
          g = { key, route, labels, alerts: new Map(), nextFlushAtMs: now + route.groupWaitMs, inFlight: false };
          this.groups.set(key, g);
        }
        g.alerts.set(a.fingerprint, a);
      }
    }
  }

  /** Why an alert is not notified now: the silences muting it and the alert inhibiting it. */
  muted(a: Alert, now: number): { silencedBy: string[]; inhibitedBy?: string } {
    const silencedBy = this.deps.silences.silencing(a.labels, now);
    const by = inhibitedBy(a, this.current, this.deps.inhibitRules);
    return by ? { silencedBy, inhibitedBy: by } : { silencedBy };
  }

  /** Flushes every group that is due; returns the deliveries started (tests await them). */
  tick(now: number): Promise<void>[] {
    const started: Promise<void>[] = [];
    for (const g of [...this.groups.values()]) {
      if (g.inFlight || g.nextFlushAtMs > now) continue;
      g.nextFlushAtMs = now + g.route.groupIntervalMs;
      const p = this.flush(g, now);
      if (p) started.push(p);
    }
    return started;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Starts afresh (a new leader): no groups, deliveries allowed again; the next update() regroups. */
  reset(): void {
    this.groups.clear();
    this.stopped = false;
  }

  private flush(g: Group, now: number): Promise<void> | undefined {
    const receiver = g.route.receiver;
    const alerts = [...g.alerts.values()];
    const firing = alerts.filter((a) => a.state === 'firing' && !this.isMuted(a, now));
    const resolved = alerts.filter((a) => a.state === 'resolved');
    const entry = this.deps.nflog.get(nflogKey(receiver, g.key));
    const sendResolved = this.deps.sendResolved(receiver);
    const prevFiring = new Set(entry?.firing ?? []);
    const newlyResolved = resolved.filter((a) => prevFiring.has(a.fingerprint));
    const needs = entry
      ? firing.some((a) => !prevFiring.has(a.fingerprint)) ||
        (newlyResolved.length > 0 && (sendResolved || firing.length === 0)) ||
        (firing.length > 0 && now - entry.sentAtMs >= g.route.repeatIntervalMs)
      : firing.length > 0;
    const forget = () => {
      for (const a of resolved) if (g.alerts.get(a.fingerprint) === a) g.alerts.delete(a.fingerprint);
      if (!g.alerts.size) this.groups.delete(g.key);
    };
    if (!needs) {
      // Resolved alerts never notified as firing (e.g. they ended within group_wait) need no message.
      for (const a of resolved) if (!prevFiring.has(a.fingerprint) && g.alerts.get(a.fingerprint) === a) g.alerts.delete(a.fingerprint);
      if (!g.alerts.size) this.groups.delete(g.key);
      return undefined;
    }
    const e: NflogEntry = { receiver, groupKey: g.key, firing: firing.map((a) => a.fingerprint), resolved: resolved.map((a) => a.fingerprint), sentAtMs: now };
    const record = () => {
      this.deps.nflog.set(nflogKey(receiver, g.key), e);
      this.deps.persistNflog(e);
    };
    const toSend = sendResolved ? [...firing, ...newlyResolved] : firing;
    const notifier = this.deps.notifiers.get(receiver);
    if (!toSend.length || !notifier) {
      record();
      forget();
      return undefined;
    }
    g.inFlight = true;
    const clock = this.deps.clock ?? Date.now;
    const t0 = clock();
    const { metrics, logger } = this.deps;
    const gate = this.deps.beforeDeliver ? this.deps.beforeDeliver(e) : Promise.resolve();
    const refused = (err: unknown) => {
      g.inFlight = false;
      metrics.notifications.inc({ receiver, outcome: 'not_leader' });
      logger.warn('alert notification not sent: its intent could not be recorded (this process may no longer lead)', { receiver, groupKey: g.key, error: (err as Error)?.message });
    };
    return gate.then(() => this.send(g, notifier, e, entry, toSend, now, t0, clock, record, forget), refused);
  }

  private send(g: Group, notifier: Notifier, e: NflogEntry, previous: NflogEntry | undefined, toSend: Alert[], now: number, t0: number, clock: () => number, record: () => void, forget: () => void): Promise<void> {
    const receiver = g.route.receiver;
    const { metrics, logger } = this.deps;
    // Stopped (the lease lost) while the intent was being recorded: do not deliver, and undo the intent.
    if (this.stopped) {
      g.inFlight = false;
      this.deps.afterFailed?.(e, previous);
      return Promise.resolve();
    }
    return deliver(
      notifier,
      { receiver, groupKey: g.key, groupLabels: g.labels, alerts: toSend, externalUrl: this.deps.externalUrl, nowMs: now, repeatIntervalMs: g.route.repeatIntervalMs },
      this.deps.retry,
      {
        onRetry: (e) => metrics.notificationRetries.inc({ receiver, reason: e.reason }),
        stopped: () => this.stopped,
      },
    ).then((out) => {
      g.inFlight = false;
      metrics.notificationSeconds.observe({ receiver }, (clock() - t0) / 1000);
      if (out.ok) {
        metrics.notifications.inc({ receiver, outcome: 'sent' });
        record();
        forget();
      } else {
        // Kept in the group, not recorded as sent: the next group_interval flush tries again.
        this.deps.afterFailed?.(e, previous);
        metrics.notifications.inc({ receiver, outcome: 'failed' });
        logger.warn('alert notification failed', { receiver, type: notifier.type, groupKey: g.key, attempts: out.attempts, reason: out.error?.reason, error: out.error?.message });
      }
    });
  }

  private isMuted(a: Alert, now: number): boolean {
    const m = this.muted(a, now);
    return m.silencedBy.length > 0 || m.inhibitedBy !== undefined;
  }
}
