// Small helpers over the foundation SDK so every dashboard uses the same datasources, variables,
// legends and link conventions. Panels keep the SDK's own builders; these only preset them.
import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as gauge from '@grafana/grafana-foundation-sdk/gauge';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import { CLICKHOUSE_PLUGIN, chQuery } from './clickhouse-query.js';
import { REGISTRY_EVENT, REGISTRY_EVENTS_TABLE } from '../../core/contracts/registry-events.js';

/** Datasource uids the provisioning files create; dashboards default to them. */
export const DATASOURCES = {
  clickhouse: { uid: 'mlobs-clickhouse', type: CLICKHOUSE_PLUGIN, name: 'mlobs ClickHouse' },
  prometheus: { uid: 'mlobs-prometheus', type: 'prometheus', name: 'mlobs Prometheus' },
} as const;

/** Tag shared by every generated dashboard; the dashboard links list dashboards by it. */
export const TAG = 'mlobs';

/** The ClickHouse datasource picker every SQL panel reads through `${datasource}`. */
export function clickhouseVar(): dash.DatasourceVariableBuilder {
  return new dash.DatasourceVariableBuilder('datasource')
    .label('ClickHouse')
    .type(CLICKHOUSE_PLUGIN)
    .current({ text: DATASOURCES.clickhouse.name, value: DATASOURCES.clickhouse.uid });
}

/** The Prometheus datasource picker for panels over the stack's own /metrics. */
export function prometheusVar(): dash.DatasourceVariableBuilder {
  return new dash.DatasourceVariableBuilder('prometheus')
    .label('Prometheus')
    .type('prometheus')
    .current({ text: DATASOURCES.prometheus.name, value: DATASOURCES.prometheus.uid });
}

/**
 * A multi-value filter filled by SQL (one column of values). Panels use it through
 * `$__conditionalAll(col IN (${name:singlequote}), $name)`, so "All" costs no IN list.
 */
export function sqlVar(name: string, label: string, sql: string): dash.QueryVariableBuilder {
  return new dash.QueryVariableBuilder(name)
    .label(label)
    .datasource({ type: CLICKHOUSE_PLUGIN, uid: '${datasource}' })
    .query(sql)
    .definition(sql)
    .refresh(dash.VariableRefresh.OnTimeRangeChanged)
    .sort(dash.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .current({ text: 'All', value: '$__all' });
}

/** The filter expression for a multi-value variable over a column, in the plugin's macro. */
export function inVar(column: string, variable: string): string {
  return `$__conditionalAll(${column} IN (\${${variable}:singlequote}), $${variable})`;
}

/** Green below `warn`, orange from `warn`, red from `crit` (absolute). */
export function steps(warn?: number, crit?: number, base = 'green'): dash.ThresholdsConfigBuilder {
  const s: dash.Threshold[] = [{ value: null, color: base }];
  if (warn !== undefined) s.push({ value: warn, color: 'orange' });
  if (crit !== undefined) s.push({ value: crit, color: 'red' });
  return new dash.ThresholdsConfigBuilder().mode(dash.ThresholdsMode.Absolute).steps(s);
}

/** Red below `crit`, orange below `warn`, green above: for "higher is better" values. */
export function stepsUp(crit: number, warn: number): dash.ThresholdsConfigBuilder {
  return new dash.ThresholdsConfigBuilder()
    .mode(dash.ThresholdsMode.Absolute)
    .steps([{ value: null, color: 'red' }, { value: crit, color: 'orange' }, { value: warn, color: 'green' }]);
}

const legend = () => new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom);

/** A time series over SQL returning (time, [series label,] value…). */
export function tsPanel(title: string, sql: string, unit: string): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder().title(title).unit(unit).withTarget(chQuery(sql, 'timeseries')).legend(legend()).fillOpacity(10).lineWidth(1).span(12).height(8);
}

/** A table over SQL. */
export function tablePanel(title: string, sql: string): table.PanelBuilder {
  return new table.PanelBuilder().title(title).withTarget(chQuery(sql, 'table')).span(12).height(8);
}

/** One big number over SQL (first numeric column of the first row). */
export function statPanel(title: string, sql: string, unit: string): stat.PanelBuilder {
  return new stat.PanelBuilder().title(title).unit(unit).withTarget(chQuery(sql, 'table')).span(6).height(4).colorMode(common.BigValueColorMode.Background);
}

/** A gauge over SQL. */
export function gaugePanel(title: string, sql: string, unit: string): gauge.PanelBuilder {
  return new gauge.PanelBuilder().title(title).unit(unit).withTarget(chQuery(sql, 'table')).span(6).height(4);
}

/** A heatmap over SQL returning (time, y bucket, value) rows. */
export function heatmapPanel(title: string, sql: string): heatmap.PanelBuilder {
  return new heatmap.PanelBuilder().title(title).withTarget(chQuery(sql, 'table')).span(24).height(10);
}

/** A bar chart over SQL returning (category, value…) rows. */
export function barPanel(title: string, sql: string, unit: string): barchart.PanelBuilder {
  return new barchart.PanelBuilder().title(title).unit(unit).withTarget(chQuery(sql, 'table')).legend(legend()).span(12).height(8);
}

/** A state timeline over SQL returning (time, state per series) rows. */
export function statePanel(title: string, sql: string): statetimeline.PanelBuilder {
  return new statetimeline.PanelBuilder().title(title).withTarget(chQuery(sql, 'timeseries')).span(24).height(6);
}

/** Grafana's trace view over SQL returning the trace frame's columns (see clickhouse-query.ts); the SDK has no builder for it. */
export function tracePanel(title: string, sql: string): dash.PanelBuilder {
  return new dash.PanelBuilder().type('traces').title(title).withTarget(chQuery(sql, 'traces')).span(24).height(14);
}

/** A time series over PromQL on the `${prometheus}` datasource. */
export function promPanel(title: string, exprs: { expr: string; legend: string }[], unit: string): timeseries.PanelBuilder {
  const p = new timeseries.PanelBuilder().title(title).unit(unit).legend(legend()).datasource({ type: 'prometheus', uid: '${prometheus}' }).span(12).height(8);
  exprs.forEach((e, i) => p.withTarget(new prometheus.DataqueryBuilder().refId(String.fromCharCode(65 + i)).datasource({ type: 'prometheus', uid: '${prometheus}' }).expr(e.expr).legendFormat(e.legend).range()));
  return p;
}

/** A panel data link to another generated dashboard, carrying time range and variables. */
export function linkTo(title: string, uid: string, query = ''): dash.DashboardLinkBuilder {
  return new dash.DashboardLinkBuilder(title).type(dash.DashboardLinkType.Link).url(`/d/${uid}${query ? `?${query}` : ''}`).keepTime(true).includeVars(false);
}

/** The dashboard header: a drop-down of every generated dashboard, keeping time and variables. */
export function mlobsDashboard(uid: string, title: string, description: string): dash.DashboardBuilder {
  return new dash.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags([TAG])
    .time({ from: 'now-6h', to: 'now' })
    .refresh('1m')
    .timezone('browser')
    .tooltip(dash.DashboardCursorSync.Crosshair)
    .editable()
    .link(new dash.DashboardLinkBuilder('mlobs dashboards').type(dash.DashboardLinkType.Dashboards).tags([TAG]).asDropdown(true).includeVars(false).keepTime(true));
}

/** A collapsible section heading. */
export function row(title: string): dash.RowBuilder {
  return new dash.RowBuilder(title);
}

/**
 * Model-registry events as annotations (the registry module's table, core/contracts/registry-events.ts):
 * a new version, and an alias pointed at a version or deleted, of the models `modelFilter` selects.
 * Grafana reads an annotation frame's `time`, `title`, `text` and `tags` columns.
 */
export function registryAnnotation(modelFilter: string): dash.AnnotationQueryBuilder {
  const sql = `
    SELECT ts AS time,
           multiIf(event = '${REGISTRY_EVENT.versionCreated}', concat('New version ', version, ' of ', model),
                   event = '${REGISTRY_EVENT.aliasCreated}', concat('Alias ', alias, ' → ', version, ' (', model, ')'),
                   concat('Alias ', alias, ' deleted (', model, ')')) AS title,
           concat(title, ' — from ', source, ', delivery ', delivery_id) AS text,
           arrayStringConcat(arrayFilter(x -> x != '', [event, version, alias]), ',') AS tags
    FROM ${REGISTRY_EVENTS_TABLE} FINAL
    WHERE $__timeFilter(ts) AND ${modelFilter}
      AND event IN ('${REGISTRY_EVENT.versionCreated}', '${REGISTRY_EVENT.aliasCreated}', '${REGISTRY_EVENT.aliasDeleted}')
    ORDER BY time`;
  return new dash.AnnotationQueryBuilder()
    .name('Model registry (versions, aliases)')
    .datasource({ type: CLICKHOUSE_PLUGIN, uid: '${datasource}' })
    .enable(true)
    .iconColor('purple')
    .target(chQuery(sql, 'table'));
}
