import { MlobsError } from '../core/errors.js';
import type { BuiltDashboard } from './build.js';

/** Where and as whom to push: a Grafana base URL and a service-account token. */
export interface PushTarget {
  grafanaUrl: string;
  token: string;
  folderUid?: string;
}

async function call(t: PushTarget, method: string, path: string, body?: unknown): Promise<Response> {
  try {
    return await fetch(new URL(path, t.grafanaUrl.replace(/\/?$/, '/')), {
      method,
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new MlobsError(`cannot reach Grafana at ${t.grafanaUrl}: ${(e as Error).message}`, { reason: 'grafana_unreachable', retryable: true });
  }
}

/** Uploads dashboards through Grafana's HTTP API (POST /api/dashboards/db, overwriting by uid) into one folder. */
export async function pushDashboards(t: PushTarget, dashboards: BuiltDashboard[]): Promise<{ uid: string; url: string }[]> {
  const folderUid = t.folderUid ?? 'mlobs';
  const folder = await call(t, 'POST', 'api/folders', { uid: folderUid, title: 'mlobs' });
  // 409/412: the folder exists already, which is what we want.
  if (!folder.ok && folder.status !== 409 && folder.status !== 412) await fail(folder, 'create folder');
  const out: { uid: string; url: string }[] = [];
  for (const d of dashboards) {
    const res = await call(t, 'POST', 'api/dashboards/db', { dashboard: { ...d.json, id: null }, folderUid, overwrite: true, message: 'mlobs dashboards push' });
    if (!res.ok) await fail(res, `push dashboard ${d.uid}`);
    const body = (await res.json()) as { url?: string };
    out.push({ uid: d.uid, url: body.url ?? '' });
  }
  return out;
}

async function fail(res: Response, what: string): Promise<never> {
  const text = (await res.text()).slice(0, 500);
  throw new MlobsError(`Grafana refused to ${what}: ${res.status} ${text}`, { reason: res.status === 401 || res.status === 403 ? 'unauthorized' : 'grafana_refused', retryable: res.status >= 500 });
}
