import { DeliveryError } from './types.js';

/** POSTs JSON and classifies every failure as a DeliveryError; `signal` bounds the whole exchange. */
export async function postJson(url: string, body: unknown, signal: AbortSignal, headers: Record<string, string> = {}): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal });
  } catch (e) {
    const timeout = signal.aborted;
    throw new DeliveryError(`${timeout ? 'timed out' : 'cannot reach'} ${redact(url)}: ${(e as Error).message}`, { reason: timeout ? 'timeout' : 'network', retryable: true, cause: e });
  }
  let text = '';
  try {
    text = await res.text();
  } catch (e) {
    throw new DeliveryError(`reading the answer of ${redact(url)} failed: ${(e as Error).message}`, { reason: signal.aborted ? 'timeout' : 'network', retryable: true, cause: e });
  }
  if (res.ok) return text;
  const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
  throw new DeliveryError(`${redact(url)} answered ${res.status}: ${text.slice(0, 200)}`, { reason: `http_${res.status >= 500 ? '5xx' : res.status === 429 ? '429' : '4xx'}`, retryable });
}

/** Slack and PagerDuty URLs carry secrets in their path: log only scheme and host. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? '/…' : ''}`;
  } catch {
    return '(bad url)';
  }
}
