import { ConfigError, MlobsError } from '../core/errors.js';
import { parseFlags } from '../core/flags.js';
import { FORMATS, formatReport, type Format } from './format.js';
import { DEFAULT_WINDOW_MS, GROUP_BYS } from './query.js';
import { parseWindow, TIME_SYNTAX } from '../core/time.js';
import type { CostReport } from './report.js';

export const COST_HELP = `mlobs cost [--by ${GROUP_BYS.join('|')}|label:NAME] [--from T] [--to T] [--format ${FORMATS.join('|')}] [--url URL]

GPU-hours, cost, utilisation and idle cost per group, from a running stack (GET /v1/cost).
T: ${TIME_SYNTAX.replace(/^use /, '')}.
Defaults: --by team, --to now, --from 7 days before --to, --format table,
--url $MLOBS_URL or http://127.0.0.1:$MLOBS_PORT (8080). Sends $MLOBS_AUTH_TOKEN as bearer token when set.`;

/** `mlobs cost`: asks a running stack for a cost report and prints it as a table, CSV or JSON. */
export async function cost(argv: string[], out: (text: string) => void = (t) => process.stdout.write(t)): Promise<void> {
  const { values, positionals } = parseFlags(argv, {
    by: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string' },
    url: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    out(COST_HELP + '\n');
    return;
  }
  if (positionals.length) throw new ConfigError(`unexpected argument ${JSON.stringify(positionals[0])}\n${COST_HELP}`);
  const format = (values.format ?? 'table') as Format;
  if (!FORMATS.includes(format)) throw new ConfigError(`unknown --format ${JSON.stringify(values.format)}: use one of ${FORMATS.join(', ')}`);
  // Checked here too, so a typo is named as the flag the user typed, before any network call.
  const window = parseWindow({ from: values.from, to: values.to }, Date.now(), { names: ['--from', '--to'], defaultSpanMs: DEFAULT_WINDOW_MS });
  if (!window.ok) throw new ConfigError(window.error);
  const base = values.url ?? process.env.MLOBS_URL ?? `http://127.0.0.1:${process.env.MLOBS_PORT ?? 8080}`;
  const params = new URLSearchParams();
  for (const k of ['by', 'from', 'to'] as const) if (values[k] !== undefined) params.set(k, values[k]!);
  const token = process.env.MLOBS_AUTH_TOKEN;
  let res: Response;
  try {
    res = await fetch(`${base}/v1/cost?${params}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (e) {
    const why = ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
    throw new MlobsError(`cannot reach mlobs at ${base} (${why}); is \`mlobs up\` running?`, { reason: 'unreachable', retryable: true });
  }
  const body = (await res.json().catch(() => ({ error: `HTTP ${res.status} without a JSON body` }))) as CostReport & { error?: string };
  if (!res.ok) {
    // Flag names read better in a terminal than the API's parameter names.
    const message = (body.error ?? `HTTP ${res.status}`).replace(/(^|\s)(from|to)(?= \(|:)/g, '$1--$2');
    if (res.status >= 500) throw new MlobsError(`cost report failed (${res.status}): ${message}`, { reason: 'server', retryable: true });
    throw new ConfigError(message);
  }
  out(formatReport(body, format));
}
