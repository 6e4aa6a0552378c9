import { MlobsError } from '../../core/errors.js';
import type { Alert } from '../lifecycle.js';
import type { Labels } from '../matchers.js';

/** What one flush of an aggregation group hands to a receiver. */
export interface Notification {
  receiver: string;
  groupKey: string;
  groupLabels: Labels;
  /** Firing first, then resolved; each notifier truncates as its API needs. */
  alerts: Alert[];
  externalUrl: string;
  /** The flush time, and the route's repeat interval (for endsAt of pushed alerts). */
  nowMs: number;
  repeatIntervalMs: number;
}

/** One receiver integration (Alertmanager, webhook, Slack, PagerDuty): delivers a notification or throws a DeliveryError. */
export interface Notifier {
  readonly receiver: string;
  readonly type: string;
  notify(n: Notification, signal: AbortSignal): Promise<void>;
}

/** A failed delivery: `retryable` for timeouts, network errors, 429 and 5xx; not for other 4xx answers. */
export class DeliveryError extends MlobsError {
  constructor(message: string, opts: { reason: string; retryable: boolean; cause?: unknown }) {
    super(message, opts);
    this.name = 'DeliveryError';
  }
}

export const iso = (ms: number) => new Date(ms).toISOString();
// Alertmanager's "no end" time: Go's zero time.
export const ZERO_TIME = '0001-01-01T00:00:00Z';
