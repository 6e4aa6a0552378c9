import type { Alert } from '../lifecycle.js';
import type { Labels } from '../matchers.js';
import { iso, ZERO_TIME, type Notification } from './types.js';

/** One alert as Alertmanager's webhook payload shows it. */
export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Labels;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** Alertmanager's webhook payload, version 4: what every existing integration already parses. */
export interface WebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Labels;
  commonLabels: Labels;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
}

export const generatorUrl = (externalUrl: string, a: Alert) => `${externalUrl}/v1/alerts?fingerprint=${a.fingerprint}`;

export function webhookAlert(a: Alert, externalUrl: string): WebhookAlert {
  return {
    status: a.state === 'resolved' ? 'resolved' : 'firing',
    labels: a.labels,
    annotations: a.annotations,
    startsAt: iso(a.firedAtMs || a.activeAtMs),
    endsAt: a.state === 'resolved' ? iso(a.resolvedAtMs) : ZERO_TIME,
    generatorURL: generatorUrl(externalUrl, a),
    fingerprint: a.fingerprint,
  };
}

function common(maps: Record<string, string>[]): Record<string, string> {
  if (!maps.length) return {};
  const out: Record<string, string> = { ...maps[0] };
  for (const m of maps.slice(1)) for (const k of Object.keys(out)) if (m[k] !== out[k]) delete out[k];
  return out;
}

/** Builds the payload; `maxAlerts` > 0 truncates the list and reports how many were left out. */
export function webhookPayload(n: Notification, maxAlerts = 0): WebhookPayload {
  const all = n.alerts;
  const kept = maxAlerts > 0 ? all.slice(0, maxAlerts) : all;
  return {
    version: '4',
    groupKey: n.groupKey,
    truncatedAlerts: all.length - kept.length,
    status: all.some((a) => a.state === 'firing') ? 'firing' : 'resolved',
    receiver: n.receiver,
    groupLabels: n.groupLabels,
    commonLabels: common(all.map((a) => a.labels)),
    commonAnnotations: common(all.map((a) => a.annotations)),
    externalURL: n.externalUrl,
    alerts: kept.map((a) => webhookAlert(a, n.externalUrl)),
  };
}
