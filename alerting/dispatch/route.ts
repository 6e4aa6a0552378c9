import type { RouteConfig } from '../config.js';
import { matches, parseMatchers, type Labels, type Matcher } from '../matchers.js';

/** A routing-tree node with every inherited setting resolved. */
export interface Route {
  /** Path of matchers from the root, as Alertmanager prints it in group keys. */
  id: string;
  receiver: string;
  matchers: Matcher[];
  /** Label names to group by; ['...'] groups by all labels (one group per alert). */
  groupBy: string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  continue: boolean;
  routes: Route[];
}

// Alertmanager waits 30 s by default before the first notification of a group; a page here should
// arrive within seconds of the breach, so the default wait is short. Configurable per route.
export const ROUTE_DEFAULTS = { groupBy: ['alertname'], groupWaitMs: 1000, groupIntervalMs: 5 * 60_000, repeatIntervalMs: 4 * 3_600_000 };

/** Resolves inheritance down the tree (a child takes its parent's unset values). */
export function compileRoute(cfg: RouteConfig, parent?: Route): Route {
  const matchers = parseMatchers(cfg.matchers);
  const r: Route = {
    id: `${parent ? parent.id : ''}{${cfg.matchers.join(',')}}`,
    receiver: cfg.receiver ?? parent?.receiver ?? '',
    matchers,
    groupBy: cfg.groupBy ?? parent?.groupBy ?? ROUTE_DEFAULTS.groupBy,
    groupWaitMs: cfg.groupWaitMs ?? parent?.groupWaitMs ?? ROUTE_DEFAULTS.groupWaitMs,
    groupIntervalMs: cfg.groupIntervalMs ?? parent?.groupIntervalMs ?? ROUTE_DEFAULTS.groupIntervalMs,
    repeatIntervalMs: cfg.repeatIntervalMs ?? parent?.repeatIntervalMs ?? ROUTE_DEFAULTS.repeatIntervalMs,
    continue: cfg.continue,
    routes: [],
  };
  r.routes = cfg.routes.map((c, i) => {
    const child = compileRoute(c, r);
    child.id = `${r.id}/${i}${child.id.slice(r.id.length)}`;
    return child;
  });
  return r;
}

/**
 * The routes an alert goes to, with Alertmanager's semantics: depth first, the first matching child
 * wins unless it has `continue`; a node none of whose children match takes the alert itself.
 */
export function matchRoutes(route: Route, labels: Labels): Route[] {
  if (!matches(route.matchers, labels)) return [];
  const out: Route[] = [];
  for (const child of route.routes) {
    const m = matchRoutes(child, labels);
    if (!m.length) continue;
    out.push(...m);
    if (!child.continue) break;
  }
  return out.length ? out : [route];
}
