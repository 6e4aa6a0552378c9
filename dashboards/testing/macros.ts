// Expands a panel's SQL the way Grafana and the ClickHouse plugin do before the engine sees it:
// the frontend resolves $__conditionalAll and template variables, then the backend expands the
// time macros (grafana/clickhouse-datasource pkg/macros/macros.go). Used to prove panels in tests.

/** A template variable's selection: its value(s), and whether "All" is selected. */
export interface VarValue {
  values: string[];
  all: boolean;
}

/** The time range and interval Grafana would send with the query. */
export interface QueryContext {
  fromMs: number;
  toMs: number;
  intervalS: number;
  vars: Record<string, VarValue>;
}

/** Splits `name(args)` at the parenthesis matching `open`; returns the args and the index after `)`. */
function callArgs(sql: string, open: number): { args: string[]; end: number } {
  let depth = 0;
  let quote: string | null = null;
  const args: string[] = [];
  let start = open + 1;
  for (let i = open; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) {
      args.push(sql.slice(start, i).trim());
      return { args, end: i + 1 };
    } else if (c === ',' && depth === 1) {
      args.push(sql.slice(start, i).trim());
      start = i + 1;
    }
  }
  throw new Error(`unbalanced parentheses after ${sql.slice(open - 20, open + 20)}`);
}

/** Replaces every `$__name(…)` call through `fn`, innermost text left to `fn`. */
function replaceCalls(sql: string, name: string, fn: (args: string[]) => string): string {
  const token = `$__${name}(`;
  let out = sql;
  for (let i = out.indexOf(token); i >= 0; i = out.indexOf(token, i)) {
    const { args, end } = callArgs(out, i + token.length - 1);
    const rep = fn(args);
    out = out.slice(0, i) + rep + out.slice(end);
    i += rep.length;
  }
  return out;
}

const quoteSingle = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Grafana's variable interpolation for the formats the dashboards use (none, singlequote, csv, raw). */
export function interpolateVariables(sql: string, vars: Record<string, VarValue>): string {
  // $__conditionalAll(condition, $var): the plugin keeps the condition unless "All" is selected.
  let out = replaceCalls(sql, 'conditionalAll', (args) => {
    const name = args[args.length - 1]!.replace(/^\$\{?|\}$/g, '');
    const v = vars[name];
    if (!v) throw new Error(`$__conditionalAll refers to unknown variable ${name}`);
    return v.all ? '1=1' : args.slice(0, -1).join(', ');
  });
  out = out.replace(/\$\{([A-Za-z0-9_]+)(?::([a-z]+))?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)\]\]/g, (m, a, fmt, b, c) => {
    const name = (a ?? b ?? c) as string;
    if (name.startsWith('__')) return m;
    const v = vars[name];
    if (!v) throw new Error(`unknown template variable $${name}`);
    if (fmt === 'singlequote') return v.values.map(quoteSingle).join(',');
    if (fmt === 'csv' || fmt === undefined || fmt === 'raw') return v.values.join(',');
    throw new Error(`variable format ${fmt} is not supported by the proof`);
  });
  return out;
}

const dt = (ms: number) => `toDateTime(${Math.floor(ms / 1000)})`;
const dt64 = (ms: number) => `fromUnixTimestamp64Milli(${Math.floor(ms)})`;
const date = (ms: number) => `toDate('${new Date(ms).toISOString().slice(0, 10)}')`;

/** The plugin's backend macros, as documented and as macros.go implements them. */
export function expandMacros(sql: string, ctx: Omit<QueryContext, 'vars'>): string {
  const { fromMs: f, toMs: t } = ctx;
  const s = Math.max(1, Math.floor(ctx.intervalS));
  let out = sql;
  out = replaceCalls(out, 'timeFilter_ms', ([c]) => `${c} >= ${dt64(f)} AND ${c} <= ${dt64(t)}`);
  out = replaceCalls(out, 'timeFilter', ([c]) => `${c} >= ${dt(f)} AND ${c} <= ${dt(t)}`);
  out = replaceCalls(out, 'dateFilter', ([c]) => `${c} >= ${date(f)} AND ${c} <= ${date(t)}`);
  const dtFilter = ([d, c]: string[]) => `(${d} >= ${date(f)} AND ${d} <= ${date(t)}) AND (${c} >= ${dt(f)} AND ${c} <= ${dt(t)})`;
  out = replaceCalls(out, 'dateTimeFilter', dtFilter);
  out = replaceCalls(out, 'dt', dtFilter);
  out = replaceCalls(out, 'timeInterval_ms', ([c]) => `toStartOfInterval(toDateTime64(${c}, 3), INTERVAL ${s * 1000} millisecond)`);
  out = replaceCalls(out, 'timeInterval', ([c]) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${s} second)`);
  out = out.replace(/\$__fromTime_ms\b/g, dt64(f)).replace(/\$__toTime_ms\b/g, dt64(t));
  out = out.replace(/\$__fromTime\b/g, dt(f)).replace(/\$__toTime\b/g, dt(t));
  out = out.replace(/\$__interval_s\b/g, String(s));
  const left = /\$__[A-Za-z_]+/.exec(out);
  if (left) throw new Error(`macro ${left[0]} is not expanded by the ClickHouse plugin`);
  return out;
}

/** Both steps: what the engine receives for this SQL in this context. */
export function expandQuery(sql: string, ctx: QueryContext): string {
  return expandMacros(interpolateVariables(sql, ctx.vars), ctx);
}
