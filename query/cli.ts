import { ConfigError } from '../core/errors.js';
import { parseFlags } from '../core/flags.js';
import { StackClient, stackUrl } from '../http/client.js';

/** `mlobs sql "SELECT …"`: runs a read-only query against a running stack through its HTTP API. */
export async function sql(argv: string[]): Promise<void> {
  const { values, positionals } = parseFlags(argv, { url: { type: 'string' }, param: { type: 'string', multiple: true }, format: { type: 'string' } });
  const query = positionals.join(' ');
  if (!query) throw new ConfigError('usage: mlobs sql [--url URL] [--param name=value ...] [--format json] "SELECT ..."');
  const params: Record<string, string> = {};
  for (const p of values.param ?? []) {
    const i = p.indexOf('=');
    if (i < 1) throw new ConfigError(`--param must be name=value, got ${JSON.stringify(p)}`);
    params[p.slice(0, i)] = p.slice(i + 1);
  }
  const rows = await new StackClient(stackUrl(values.url)).sql(query, params);
  if (values.format === 'json') console.log(JSON.stringify(rows, null, 2));
  else if (!rows.length) console.log('(no rows)');
  else console.table(rows);
}
