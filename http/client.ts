import { ConfigError, MlobsError, errorMessage } from '../core/errors.js';

/** Where the CLI finds a running stack: --url, else $MLOBS_URL, else loopback on $MLOBS_PORT (8080). */
export function stackUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return (flag ?? env.MLOBS_URL ?? `http://127.0.0.1:${env.MLOBS_PORT ?? 8080}`).replace(/\/+$/, '');
}

export interface CallOptions {
  method?: string;
  body?: string;
  contentType?: string;
}

type Fetch = typeof fetch;

/**
 * The one HTTP client of the command line: bearer token from $MLOBS_AUTH_TOKEN, JSON in and out,
 * and errors that say what failed. A refused request (4xx) is the user's to fix (ConfigError, exit 2);
 * a server fault (5xx) or an unreachable stack is retryable.
 */
export class StackClient {
  readonly url: string;
  private readonly token: string | undefined;

  constructor(url: string, opts: { token?: string; fetch?: Fetch } = {}) {
    this.url = url.replace(/\/+$/, '');
    this.token = opts.token ?? process.env.MLOBS_AUTH_TOKEN;
    this.fetchImpl = opts.fetch ?? fetch;
  }

  private readonly fetchImpl: Fetch;

  async call<T = any>(path: string, opts: CallOptions = {}): Promise<T> {
    const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
    const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await this.fetchImpl(this.url + path, { method, headers, body: opts.body });
    } catch (e) {
      const why = ((e as Error).cause as Error | undefined)?.message ?? errorMessage(e);
      throw new MlobsError(`cannot reach mlobs at ${this.url}: ${why} (is \`mlobs up\` running? use --url)`, { reason: 'unreachable', retryable: true });
    }
    const body = (await res.json().catch(() => ({ error: `HTTP ${res.status} without a JSON body` }))) as any;
    if (res.ok) return body as T;
    const rejected = Array.isArray(body.rejected) && body.rejected.length ? '\n' + body.rejected.map((r: any) => `  row ${r.index}: ${r.error}`).join('\n') : '';
    const message = `${method} ${path.split('?')[0]} failed (${res.status}): ${body.error ?? res.statusText}${rejected}`;
    if (res.status >= 500) throw new MlobsError(message, { reason: 'server', retryable: true });
    throw new ConfigError(message);
  }

  /** One read-only statement through POST /v1/sql; rows as objects. */
  async sql<T = Record<string, unknown>>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    return (await this.call<{ data: T[] }>('/v1/sql', { body: JSON.stringify({ query, params }) })).data;
  }
}
