import { createHash } from 'node:crypto';
import type { Labels } from './matchers.js';

/** Labels with keys sorted and empty values dropped, so equal sets compare and hash equally. */
export function canonical(labels: Labels): Labels {
  const out: Labels = {};
  for (const k of Object.keys(labels).sort()) if (labels[k] !== '' && labels[k] !== undefined) out[k] = String(labels[k]);
  return out;
}

/** A stable 16-hex-digit identity of a label set (order-independent), as Alertmanager shows it. */
export function fingerprint(labels: Labels): string {
  const c = canonical(labels);
  const h = createHash('sha256');
  for (const k of Object.keys(c)) h.update(k).update('\xff').update(c[k]!).update('\xff');
  return h.digest('hex').slice(0, 16);
}

/** The values of `names` in `labels`, as Alertmanager's group key shows them. */
export function pick(labels: Labels, names: readonly string[]): Labels {
  const out: Labels = {};
  for (const n of names) if (labels[n] !== undefined && labels[n] !== '') out[n] = labels[n]!;
  return out;
}
