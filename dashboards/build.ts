import type * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARDS } from './defs/index.js';
import { DATASOURCES } from './grafana/kit.js';
import { validateDashboard } from './grafana/validate.js';

/** One generated dashboard: its stable uid and the JSON Grafana stores. */
export interface BuiltDashboard {
  uid: string;
  title: string;
  json: dash.Dashboard;
}

/** Builds and validates dashboards (all of them by default); throws naming the dashboard and panel at fault. */
export function buildDashboards(factories: (() => dash.DashboardBuilder)[] = DASHBOARDS, knownUids: readonly string[] = Object.values(DATASOURCES).map((d) => d.uid)): BuiltDashboard[] {
  const seen = new Set<string>();
  return factories.map((f) => {
    const json = f().build();
    if (!json.uid) throw new Error(`dashboard ${JSON.stringify(json.title)} has no uid`);
    if (seen.has(json.uid)) throw new Error(`two dashboards share the uid ${json.uid}`);
    seen.add(json.uid);
    validateDashboard(json as never, knownUids);
    return { uid: json.uid, title: json.title ?? json.uid, json };
  });
}

/** The file a dashboard is written to: stable across builds so diffs stay small. */
export function dashboardFile(uid: string): string {
  return `${uid}.json`;
}
