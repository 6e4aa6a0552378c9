import type { NflogEntry } from './dispatch/dispatcher.js';
import type { Alert } from './lifecycle.js';

/** The compacted topic (under the stack's prefix) holding the alert lifecycle and the notification log, keyed `alert:FP` and `nflog:RECEIVER\0GROUP`. */
export const FLEET_STATE_TOPIC = 'alerting-state';

export interface FleetRecord {
  key: string;
  value: string | null;
}

/** Parses the latest value of every key; a record that does not parse is skipped (a newer writer's format, say). */
export function fleetStateOf(records: Map<string, string>): { alerts: Alert[]; nflog: NflogEntry[] } {
  const alerts: Alert[] = [];
  const nflog: NflogEntry[] = [];
  for (const [key, value] of records) {
    let v: any;
    try {
      v = JSON.parse(value);
    } catch {
      continue;
    }
    if (key.startsWith('alert:') && typeof v?.fingerprint === 'string' && ['pending', 'firing', 'resolved'].includes(v.state)) alerts.push(v as Alert);
    else if (key.startsWith('nflog:') && typeof v?.receiver === 'string' && Array.isArray(v.firing)) nflog.push(v as NflogEntry);
  }
  return { alerts, nflog };
}
