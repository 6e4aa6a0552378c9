import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';

/** The plugin id of Grafana's official ClickHouse datasource. */
export const CLICKHOUSE_PLUGIN = 'grafana-clickhouse-datasource';

/** How the plugin shapes a result: its `queryType` (frontend) and `format` (backend, sqlutil's numbering). */
export type ClickHouseResultKind = 'timeseries' | 'table' | 'traces';

// The foundation SDK has no ClickHouse query type. These are the fields of the plugin's SQL
// query model (src/types/sql.ts: CHSqlQuery) that a raw-SQL panel needs; `format` is the backend's
// sqlutil.FormatQueryOption (0 time series, 1 table) extended by the plugin (3: trace, the frame
// Grafana's trace view draws from traceID, spanID, parentSpanID, operationName, serviceName,
// startTime, duration, tags, serviceTags columns), which the plugin reads to shape frames.
const FORMAT = { timeseries: 0, table: 1, traces: 3 } as const;
const QUERY_TYPE = { timeseries: 'timeseries', table: 'table', traces: 'traces' } as const;

/** A raw-SQL query of the ClickHouse datasource plugin, as stored in a panel's `targets`. */
export interface ClickHouseQuery extends cog.Dataquery {
  refId: string;
  datasource: common.DataSourceRef;
  editorType: 'sql';
  queryType: 'timeseries' | 'table' | 'traces';
  format: 0 | 1 | 3;
  rawSql: string;
}

/** Builds one ClickHouse raw-SQL target; the only place that knows the plugin's query model. */
export class ClickHouseQueryBuilder implements cog.Builder<ClickHouseQuery> {
  private q: Omit<ClickHouseQuery, '_implementsDataqueryVariant'>;

  constructor(rawSql: string, kind: ClickHouseResultKind = 'table') {
    this.q = { refId: 'A', datasource: { type: CLICKHOUSE_PLUGIN, uid: '${datasource}' }, editorType: 'sql', queryType: QUERY_TYPE[kind], format: FORMAT[kind], rawSql: dedent(rawSql) };
  }

  refId(refId: string): this {
    this.q.refId = refId;
    return this;
  }

  datasource(uid: string): this {
    this.q.datasource = { type: CLICKHOUSE_PLUGIN, uid };
    return this;
  }

  build(): ClickHouseQuery {
    // The SDK's Dataquery marker is a type-level brand; it must not end up in the JSON.
    return { ...this.q } as ClickHouseQuery;
  }
}

/** A ClickHouse SQL target; `kind` decides whether Grafana reads it as time series or a table. */
export function chQuery(rawSql: string, kind: ClickHouseResultKind = 'table'): ClickHouseQueryBuilder {
  return new ClickHouseQueryBuilder(rawSql, kind);
}

/** Strips the common indentation of a template literal so the stored SQL reads well in Grafana's editor. */
export function dedent(s: string): string {
  const lines = s.replace(/^\n+|\s+$/g, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
