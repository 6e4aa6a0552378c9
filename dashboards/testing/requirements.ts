// What each panel type needs from a result's columns to draw anything. Checked against the
// engine's column types, so a query that "works" but would render "No data" still fails.

/** A result column as the engine reports it. */
export interface Column {
  name: string;
  type: string;
}

const base = (t: string) => t.replace(/^(Nullable|LowCardinality)\((.*)\)$/, '$2').replace(/^(Nullable|LowCardinality)\((.*)\)$/, '$2');
export const isTime = (c: Column) => /^(DateTime|DateTime64|Date|Date32)\b/.test(base(c.type));
export const isNumber = (c: Column) => /^(U?Int\d+|Float\d+|Decimal|Bool)/.test(base(c.type));
export const isText = (c: Column) => /^(String|FixedString|Enum)/.test(base(c.type));

/** Why a result cannot feed a panel of this type, or null when it can. */
export function columnProblem(panelType: string, format: number | undefined, cols: Column[]): string | null {
  const has = (p: (c: Column) => boolean) => cols.some(p);
  const names = cols.map((c) => `${c.name} ${c.type}`).join(', ');
  if (cols.length === 0) return 'no columns';
  switch (panelType) {
    case 'timeseries':
    case 'heatmap':
    case 'state-timeline':
      // Time series format: the plugin turns long (time, label…, value…) into wide frames.
      if (!isTime(cols[0]!)) return `a ${panelType} needs a time column first; got ${names}`;
      if (!cols.slice(1).some(isNumber)) return `a ${panelType} needs a numeric value column; got ${names}`;
      if (format !== 0 && panelType !== 'heatmap') return `a ${panelType} query must use the time series format`;
      return null;
    case 'stat':
    case 'gauge':
    case 'bargauge':
      return has(isNumber) ? null : `a ${panelType} needs a numeric column; got ${names}`;
    case 'barchart':
      return has(isText) && has(isNumber) ? null : `a bar chart needs a text category column and a numeric column; got ${names}`;
    case 'table':
      return null;
    case 'traces': {
      // Grafana's trace view reads these columns by name (the plugin's trace format).
      const need: [string, (c: Column) => boolean][] = [['traceID', isText], ['spanID', isText], ['parentSpanID', isText], ['serviceName', isText], ['operationName', isText], ['startTime', isNumber], ['duration', isNumber]];
      const missing = need.filter(([n, ok]) => !cols.some((c) => c.name === n && ok(c))).map(([n]) => n);
      if (missing.length) return `a trace view needs columns ${missing.join(', ')} (text ids and names, numeric startTime and duration in ms); got ${names}`;
      return format === 3 ? null : 'a trace view query must use the trace format (3)';
    }
    default:
      return `no column rules for panel type ${panelType}`;
  }
}
