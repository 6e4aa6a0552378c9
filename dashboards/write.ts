import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDashboards, dashboardFile } from './build.js';
import { dashboardProviderYaml, datasourcesYaml, prometheusYaml, type ProvisioningOptions, COMPOSE_DEFAULTS } from './provisioning.js';

/** Writes the dashboards and Grafana provisioning files under `dir` (laid out as Grafana's provisioning dir); returns the paths written. */
export function writeGrafanaDir(dir: string, opts: ProvisioningOptions = COMPOSE_DEFAULTS): string[] {
  const built = buildDashboards();
  const jsonDir = join(dir, 'dashboards', 'mlobs');
  mkdirSync(jsonDir, { recursive: true });
  mkdirSync(join(dir, 'datasources'), { recursive: true });
  mkdirSync(join(dir, 'prometheus'), { recursive: true });
  // Dashboards that are no longer generated must not linger in Grafana.
  for (const f of readdirSync(jsonDir)) if (f.endsWith('.json')) rmSync(join(jsonDir, f));
  const files: [string, string][] = [
    ...built.map((d): [string, string] => [join(jsonDir, dashboardFile(d.uid)), JSON.stringify(d.json, null, 2) + '\n']),
    [join(dir, 'datasources', 'mlobs.yaml'), datasourcesYaml(opts)],
    [join(dir, 'dashboards', 'mlobs.yaml'), dashboardProviderYaml()],
    [join(dir, 'prometheus', 'prometheus.yml'), prometheusYaml()],
  ];
  for (const [p, text] of files) writeFileSync(p, text);
  return files.map(([p]) => p);
}
