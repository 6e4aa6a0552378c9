import type { ReceiverConfig } from '../config.js';
import { AlertmanagerNotifier } from './alertmanager.js';
import { PagerDutyNotifier } from './pagerduty.js';
import { SlackNotifier } from './slack.js';
import type { Notifier } from './types.js';
import { WebhookNotifier } from './webhook.js';

/** Builds the notifier of one configured receiver. */
export function notifierFor(r: ReceiverConfig): Notifier {
  switch (r.type) {
    case 'alertmanager':
      return new AlertmanagerNotifier(r.name, r);
    case 'webhook':
      return new WebhookNotifier(r.name, r);
    case 'slack':
      return new SlackNotifier(r.name, r);
    case 'pagerduty':
      return new PagerDutyNotifier(r.name, r);
  }
}
