import { ConfigError } from '../core/errors.js';
import { parseFlags } from '../core/flags.js';

/** `mlobs sql "SELECT …"`: runs a read-only query against a running stack through its HTTP API. */
export async function sql(argv: string[]): Promise<void> {
  const { values, positionals } = parseFlags(argv, { url: { type: 'string' }, param: { type: 'string', multiple: true }, format: { type: 'string' } });
  const url = values.url ?? process.env.MLOBS_URL ?? `http://127.0.0.1:${process.env.MLOBS_PORT ?? 8080}`;
  const query = positionals.join(' ');
  if (!query) throw new ConfigError('usage: mlobs sql [--url URL] [--param name=value ...] "SELECT ..."');
  const params: Record<string, string> = {};
  for (const p of values.param ?? []) {
    const i = p.indexOf('=');
    if (i < 1) throw new ConfigError(`--param must be name=value, got ${JSON.stringify(p)}`);
    params[p.slice(0, i)] = p.slice(i + 1);
  }
  const token = process.env.MLOBS_AUTH_TOKEN;
  const res = await fetch(`${url}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, params }) });
  const body = (await res.json()) as { data?: Record<string, unknown>[]; error?: string };
  if (!res.ok) throw new ConfigError(`query failed (${res.status}): ${body.error}`);
  if (values.format === 'json') console.log(JSON.stringify(body.data, null, 2));
  else if (!body.data?.length) console.log('(no rows)');
  else console.table(body.data);
}
