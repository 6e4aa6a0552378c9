import { ConfigError } from '../core/errors.js';
import { parseFlags } from '../core/flags.js';
import { buildDashboards } from './build.js';
import { pushDashboards } from './push.js';
import { writeGrafanaDir } from './write.js';

export const DASHBOARDS_HELP = `mlobs dashboards build [--out DIR]    write dashboards + Grafana provisioning (default DIR: deploy/grafana)
mlobs dashboards push --grafana-url URL --token T [--folder UID]    upload them through Grafana's HTTP API`;

/** `mlobs dashboards build|push`. */
export async function dashboards(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'build') {
    const { values } = parseFlags(rest, { out: { type: 'string' } });
    const files = writeGrafanaDir(values.out ?? 'deploy/grafana');
    for (const f of files) console.log(`wrote ${f}`);
  } else if (sub === 'push') {
    const { values } = parseFlags(rest, { 'grafana-url': { type: 'string' }, token: { type: 'string' }, folder: { type: 'string' } });
    const url = values['grafana-url'] ?? process.env.GRAFANA_URL;
    const token = values.token ?? process.env.GRAFANA_TOKEN;
    if (!url || !token) throw new ConfigError('usage: mlobs dashboards push --grafana-url URL --token T (or GRAFANA_URL, GRAFANA_TOKEN)');
    for (const r of await pushDashboards({ grafanaUrl: url, token, folderUid: values.folder }, buildDashboards())) console.log(`pushed ${r.uid} ${r.url}`);
  } else {
    throw new ConfigError(`usage:\n${DASHBOARDS_HELP}`);
  }
}
