import { MlobsError } from '../../core/errors.js';

/** Grafana's global variables and the ClickHouse plugin's macros: names a query may use without declaring them. */
const GLOBALS = new Set(['__interval', '__interval_ms', '__rate_interval', '__rate_interval_ms', '__range', '__range_s', '__range_ms', '__from', '__to', '__now', '__data', '__field', '__value', '__series', '__all', '__dashboard', '__org', '__user', '__timezone', '__name']);
/** The ClickHouse plugin's macros (pkg/macros/macros.go, plus the frontend's $__conditionalAll). */
export const CLICKHOUSE_MACROS = new Set(['timeFilter', 'timeFilter_ms', 'dateFilter', 'dateTimeFilter', 'dt', 'fromTime', 'toTime', 'fromTime_ms', 'toTime_ms', 'timeInterval', 'timeInterval_ms', 'interval_s', 'conditionalAll']);

// $name, ${name}, ${name:format} and the deprecated [[name]].
const VAR_RE = /\$\{([A-Za-z0-9_.]+)(?::[^}]*)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)\]\]/g;

/** Which variables a string refers to (names without the `$`), in order of appearance. */
export function referencedVariables(s: string): string[] {
  return [...s.matchAll(VAR_RE)].map((m) => (m[1] ?? m[2] ?? m[3])!.split('.')[0]!);
}

interface AnyPanel {
  title?: string;
  type?: string;
  datasource?: { uid?: string; type?: string };
  targets?: Record<string, unknown>[];
  panels?: AnyPanel[];
  links?: { url?: string }[];
  fieldConfig?: { defaults?: { links?: { url?: string }[] } };
}

/** Every panel of a dashboard JSON, row children included. */
export function allPanels(d: { panels?: AnyPanel[] }): AnyPanel[] {
  return (d.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
}

/**
 * Refuses a dashboard that would break on a user's screen: a datasource uid that is neither
 * provisioned nor a datasource variable, or a `$variable`/`$__macro` nobody defines.
 */
export function validateDashboard(d: { uid?: string; title?: string; panels?: AnyPanel[]; templating?: { list?: { name: string; type: string; query?: unknown; datasource?: { uid?: string } }[] } }, knownUids: readonly string[]): void {
  const where = `dashboard ${JSON.stringify(d.uid ?? d.title)}`;
  const vars = d.templating?.list ?? [];
  const names = new Set(vars.map((v) => v.name));
  const dsVars = new Set(vars.filter((v) => v.type === 'datasource').map((v) => v.name));
  const checkUid = (uid: string | undefined, what: string) => {
    if (uid === undefined) return;
    const m = /^\$\{?([A-Za-z0-9_]+)\}?$/.exec(uid);
    if (m ? dsVars.has(m[1]!) : knownUids.includes(uid)) return;
    throw new MlobsError(
      `${where}, ${what}: unknown datasource uid ${JSON.stringify(uid)}; use one of the provisioned uids (${knownUids.join(', ')}) or a datasource variable (${[...dsVars].map((v) => '${' + v + '}').join(', ') || 'none declared'})`,
      { reason: 'bad_dashboard', retryable: false },
    );
  };
  const checkText = (text: string, what: string, sql: boolean) => {
    for (const name of referencedVariables(text)) {
      if (names.has(name) || GLOBALS.has(name)) continue;
      if (sql && name.startsWith('__') && CLICKHOUSE_MACROS.has(name.slice(2))) continue;
      const hint = name.startsWith('__') ? 'neither a Grafana global variable nor a ClickHouse plugin macro' : `not a variable of this dashboard (declared: ${[...names].join(', ') || 'none'})`;
      throw new MlobsError(`${where}, ${what}: unknown variable $${name}: ${hint}`, { reason: 'bad_dashboard', retryable: false });
    }
  };
  for (const v of vars) {
    checkUid(v.datasource?.uid, `variable ${v.name}`);
    if (typeof v.query === 'string' && v.type === 'query') checkText(v.query, `variable ${v.name}`, true);
  }
  for (const p of allPanels(d)) {
    const what = `panel ${JSON.stringify(p.title)}`;
    checkUid(p.datasource?.uid, what);
    checkText(p.title ?? '', what, false);
    for (const t of p.targets ?? []) {
      checkUid((t.datasource as { uid?: string } | undefined)?.uid, what);
      for (const key of ['rawSql', 'expr'] as const) if (typeof t[key] === 'string') checkText(t[key], what, key === 'rawSql');
    }
    for (const l of [...(p.links ?? []), ...(p.fieldConfig?.defaults?.links ?? [])]) checkText(l.url ?? '', `${what} link`, false);
  }
}
