import { writeFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import { parseFlags } from '../core/flags.js';
import { StackClient, stackUrl } from '../http/client.js';
import type { Command, CommandContext } from '../plugin/module.js';
import type { AlertingConfig } from './config.js';
import { crossCheck } from './config.js';
import { parseTime } from '../core/time.js';
import { prometheusRulesYaml } from './export/prometheus.js';

export const ALERTING_HELP = `mlobs alerts [--url URL] [--state firing|pending|resolved] [--json]
    list alerts of a running stack: state, since when, and why
mlobs slo status [--url URL] [--json]
    error budget left and burn rates of every SLO
mlobs slo export-prometheus [--config FILE] [--out FILE]
    write the SLOs as Prometheus recording and alerting rules (Sloth conventions); check with promtool check rules
mlobs silence add --author NAME --comment TEXT (--duration 2h | --ends T) MATCHER... [--url URL]
mlobs silence list [--url URL] [--json]
mlobs silence expire ID [--url URL]
    MATCHER as in Alertmanager: alertname="GpuIdle", model=~"fraud.*", severity!="info"
    T: ISO 8601, epoch milliseconds, now, now-1h, now+2h`;

const since = (iso: string | null) => (iso ? `${iso} (${Math.round((Date.now() - Date.parse(iso)) / 60_000)} min ago)` : '');

/** `mlobs alerts`: what is firing, since when, and why. */
export async function alerts(argv: string[]): Promise<void> {
  const { values } = parseFlags(argv, { url: { type: 'string' }, state: { type: 'string' }, json: { type: 'boolean' } });
  const body = await new StackClient(stackUrl(values.url)).call(`/v1/alerts${values.state ? `?state=${encodeURIComponent(values.state)}` : ''}`);
  if (values.json) return void console.log(JSON.stringify(body.alerts, null, 2));
  if (!body.alerts.length) return void console.log('no alerts');
  for (const a of body.alerts) {
    const muted = a.silencedBy.length ? ` [silenced by ${a.silencedBy.join(', ')}]` : a.inhibitedBy ? ` [inhibited by ${a.inhibitedBy}]` : '';
    console.log(`${a.state.toUpperCase()} ${a.labels.alertname} ${a.labels.severity ?? ''} ${a.fingerprint}${muted}`);
    console.log(`  labels:  ${Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    console.log(`  since:   ${since(a.startsAt ?? a.activeAt)}${a.endsAt ? `, resolved ${a.endsAt}` : ''}`);
    console.log(`  summary: ${a.annotations.summary ?? ''}`);
    console.log(`  why:     ${a.why}`);
    for (const k of ['dashboard_url', 'runbook_url']) if (a.annotations[k]) console.log(`  ${k.replace('_url', '')}: ${a.annotations[k]}`);
  }
}

/** `mlobs slo status | export-prometheus`. */
export async function slo(argv: string[], ctx: CommandContext<AlertingConfig>): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'export-prometheus') {
    const { values } = parseFlags(rest, { config: { type: 'string' }, out: { type: 'string' } });
    const { config, moduleConfig: alerting } = ctx.loadConfig(values.config);
    const problems = crossCheck(alerting, config.pipelines);
    if (problems.length) throw new ConfigError(`invalid alerting config:\n  ${problems.join('\n  ')}`);
    if (!alerting.slos.length) throw new ConfigError('no SLOs declared under alerting.slos: nothing to export');
    const text = prometheusRulesYaml(alerting);
    if (values.out) {
      writeFileSync(values.out, text);
      console.error(`wrote ${alerting.slos.length} SLOs as Prometheus rules to ${values.out}`);
    } else process.stdout.write(text);
    return;
  }
  if (sub !== 'status') throw new ConfigError(`usage:\n${ALERTING_HELP}`);
  const { values } = parseFlags(rest, { url: { type: 'string' }, json: { type: 'boolean' } });
  const body = await new StackClient(stackUrl(values.url)).call('/v1/slo');
  if (values.json) return void console.log(JSON.stringify(body, null, 2));
  for (const w of body.warnings) console.log(`warning: ${w}`);
  if (!body.slos.length) return void console.log('no SLOs declared (alerting.slos in the config)');
  console.table(
    body.slos.map((s: any) => ({
      slo: s.slo,
      objective: `${(s.objective * 100).toFixed(3)} %`,
      'budget left': `${(s.budgetRemaining * 100).toFixed(1)} %`,
      'burn (page, long)': s.page.pairs.map((p: any) => (p.longRatio / s.errorBudget).toFixed(2) + 'x').join(' '),
      page: s.page.burning ? 'FIRING' : '-',
      ticket: s.ticket.burning ? 'FIRING' : '-',
    })),
  );
}

/** `mlobs silence add | list | expire`. */
export async function silence(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseFlags(rest, { url: { type: 'string' }, author: { type: 'string' }, comment: { type: 'string' }, duration: { type: 'string' }, ends: { type: 'string' }, json: { type: 'boolean' } });
  const client = new StackClient(stackUrl(values.url));
  if (sub === 'add') {
    const { parseDurationMs } = await import('../core/duration.js');
    const ms = values.duration ? parseDurationMs(values.duration) : null;
    if (values.duration && !ms) throw new ConfigError(`--duration: not a duration: ${values.duration}`);
    if (values.ends !== undefined) {
      const r = parseTime(values.ends, Date.now(), '--ends');
      if (!r.ok) throw new ConfigError(r.error);
    }
    // Sent as typed: the stack resolves now+2h against its own clock, through the same parser.
    const endsAt = values.ends ?? (ms ? Date.now() + ms : undefined);
    if (!endsAt) throw new ConfigError('give --duration (e.g. 2h) or --ends (a time such as now+2h or 2026-11-20T18:00:00Z)');
    const s = await client.call('/v1/silences', { method: 'POST', body: JSON.stringify({ matchers: positionals, endsAt, createdBy: values.author ?? process.env.USER, comment: values.comment }) });
    console.log(s.id);
  } else if (sub === 'list') {
    const body = await client.call('/v1/silences');
    if (values.json) return void console.log(JSON.stringify(body.silences, null, 2));
    if (!body.silences.length) return void console.log('no silences');
    console.table(body.silences.map((s: any) => ({ id: s.id, state: s.state, matchers: s.matchers.join(','), ends: s.endsAt, by: s.createdBy, comment: s.comment })));
  } else if (sub === 'expire') {
    if (!positionals[0]) throw new ConfigError('usage: mlobs silence expire ID');
    const s = await client.call(`/v1/silences/${encodeURIComponent(positionals[0])}`, { method: 'DELETE' });
    console.log(`expired ${s.id}`);
  } else throw new ConfigError(`usage:\n${ALERTING_HELP}`);
}

/** The alerting module's commands. */
export const ALERTING_COMMANDS: Command<AlertingConfig>[] = [
  { name: 'alerts', summary: 'list alerts of a running stack: what fires, since when, why', run: (argv) => alerts(argv) },
  { name: 'slo', summary: 'SLO error budgets (mlobs slo status) and Prometheus rules (mlobs slo export-prometheus)', run: slo },
  { name: 'silence', summary: 'add, list and expire silences (author and comment required)', run: (argv) => silence(argv) },
];
