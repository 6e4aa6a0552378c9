/** Label sets: sorted string maps, the identity of an alert. */
export type Labels = Record<string, string>;

/** One Alertmanager-style matcher: `name="value"`, `name!="value"`, `name=~"re"`, `name!~"re"`. */
export interface Matcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
  re?: RegExp;
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"\s,{}!=~]*))\s*$/;

/** Parses one matcher; returns an error message instead of throwing so config validation can report it. */
export function parseMatcher(text: string): Matcher | string {
  const m = MATCHER.exec(text);
  if (!m) return `not a matcher: ${JSON.stringify(text)} (use e.g. severity="page" or model=~"fraud.*")`;
  const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[4]!;
  const op = m[2] as Matcher['op'];
  if (op === '=~' || op === '!~') {
    try {
      // Anchored like Prometheus: the regex must match the whole value.
      return { name: m[1]!, op, value, re: new RegExp(`^(?:${value})$`) };
    } catch (e) {
      return `bad regular expression in ${JSON.stringify(text)}: ${(e as Error).message}`;
    }
  }
  return { name: m[1]!, op, value };
}

/** Parses matchers already validated by the config schema; throws on a bad one. */
export function parseMatchers(texts: readonly string[]): Matcher[] {
  return texts.map((t) => {
    const m = parseMatcher(t);
    if (typeof m === 'string') throw new Error(m);
    return m;
  });
}

/** True when every matcher holds; a missing label reads as the empty string, as in Alertmanager. */
export function matches(matchers: readonly Matcher[], labels: Labels): boolean {
  for (const m of matchers) {
    const v = labels[m.name] ?? '';
    const ok = m.op === '=' ? v === m.value : m.op === '!=' ? v !== m.value : m.op === '=~' ? m.re!.test(v) : !m.re!.test(v);
    if (!ok) return false;
  }
  return true;
}

export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}
