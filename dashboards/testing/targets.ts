import { allPanels } from '../grafana/validate.js';
import { CLICKHOUSE_PLUGIN } from '../grafana/clickhouse-query.js';
import type { BuiltDashboard } from '../build.js';

/** One SQL query of a dashboard: a panel target or a variable's query. */
export interface SqlTarget {
  dashboard: string;
  panel: string;
  panelType: string;
  format?: number;
  sql: string;
  /** Tables the query reads (unqualified names), found in FROM and JOIN clauses. */
  tables: string[];
}

/** One PromQL expression of a dashboard. */
export interface PromTarget {
  dashboard: string;
  panel: string;
  expr: string;
}

/**
 * Tables a query reads: identifiers after FROM/JOIN (subqueries and ARRAY JOIN excluded). Calls are included too,
 * `FROM cost_gpu_usage(…)` being a parameterised view; the engine's table functions (`numbers(…)`)
 * appear in the same place, so callers count the names in `system.table_functions` as existing.
 */
export function tablesOf(sql: string): string[] {
  const found = [...sql.matchAll(/(?<!\bARRAY\s+)\b(?:FROM|JOIN)\s+(?:[A-Za-z_][A-Za-z0-9_]*\.)?([A-Za-z_][A-Za-z0-9_]*)\b/gi)].map((m) => m[1]!);
  return [...new Set(found)];
}

/** Every ClickHouse panel target of the dashboards. */
export function sqlTargets(dashboards: BuiltDashboard[]): SqlTarget[] {
  return dashboards.flatMap((d) =>
    allPanels(d.json as never).flatMap((p) =>
      (p.targets ?? [])
        .filter((t) => (t.datasource as { type?: string } | undefined)?.type === CLICKHOUSE_PLUGIN)
        .map((t) => ({ dashboard: d.title, panel: p.title ?? '', panelType: p.type ?? '', format: t.format as number, sql: t.rawSql as string, tables: tablesOf(t.rawSql as string) })),
    ),
  );
}

/** Every Prometheus expression of the dashboards. */
export function promTargets(dashboards: BuiltDashboard[]): PromTarget[] {
  return dashboards.flatMap((d) =>
    allPanels(d.json as never).flatMap((p) => (p.targets ?? []).filter((t) => typeof t.expr === 'string').map((t) => ({ dashboard: d.title, panel: p.title ?? '', expr: t.expr as string }))),
  );
}

/** Metric names a PromQL expression selects (label names, functions and keywords excluded). */
export function promMetrics(expr: string): string[] {
  const noLabels = expr.replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '').replace(/\b(by|without)\s*\([^)]*\)/g, '');
  return [...new Set([...noLabels.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1]!).filter((n) => n.startsWith('mlobs_')))];
}
