// Scanners for single exposition lines. Lines arrive already trimmed and non-empty; these work on
// char codes with an index instead of regexes so a 1 MB scrape stays a single linear pass.

import { ExpositionError } from './exposition-error.js';
import { parseFloatToken, parseTimestampToken } from './exposition-number.js';

/** One sample line. `raw` is the value exactly as written, because Number() rounds integers above 2^53. */
export interface Sample {
  /** Series name as written, so histogram/summary series keep their `_bucket`/`_sum`/`_count` suffix. */
  name: string;
  /** Unescaped label values; a null-prototype object (so '__proto__' is an ordinary label). */
  labels: Record<string, string>;
  value: number;
  raw: string;
  /** Epoch milliseconds when the line carried a timestamp; absent otherwise. */
  timestampMs?: number;
}


const TAB = 9;
const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const EQUALS = 61;
const BACKSLASH = 92;
const UNDERSCORE = 95;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

/** A `# HELP` / `# TYPE` line; `text` is the unescaped docstring or the type token. Other comments yield null. */
export interface MetaLine {
  kind: 'HELP' | 'TYPE';
  name: string;
  text: string;
}

export function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

function skipBlanks(s: string, i: number): number {
  while (i < s.length && isBlank(s.charCodeAt(i))) i++;
  return i;
}

/** Index of the next blank (or the end) at or after `i`: the end of a whitespace-separated token. */
function tokenEnd(s: string, i: number): number {
  while (i < s.length && !isBlank(s.charCodeAt(i))) i++;
  return i;
}

function isLetter(c: number): boolean {
  const lower = c | 0x20;
  return lower >= 97 && lower <= 122;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Metric names may contain ':' (reserved for recording rules); label names may not. */
function isNameChar(c: number, first: boolean, allowColon: boolean): boolean {
  return isLetter(c) || c === UNDERSCORE || (allowColon && c === COLON) || (!first && isDigit(c));
}

/** Index just past the longest valid name starting at `i` (== i when none). */
function scanName(s: string, i: number, allowColon: boolean): number {
  const start = i;
  while (i < s.length && isNameChar(s.charCodeAt(i), i === start, allowColon)) i++;
  return i;
}

/** True when the whole string is a valid metric name: [a-zA-Z_:][a-zA-Z0-9_:]*. */
export function isMetricName(s: string): boolean {
  return s.length > 0 && scanName(s, 0, true) === s.length;
}

/** True when the whole string is a valid label name: [a-zA-Z_][a-zA-Z0-9_]*. */
export function isLabelName(s: string): boolean {
  return s.length > 0 && scanName(s, 0, false) === s.length;
}

function describe(s: string, i: number): string {
  return i < s.length ? `'${s[i]}' at column ${i + 1}` : 'end of line';
}

/**
 * Reads a quoted label value whose opening quote is just before `i`.
 * Unescaped stretches are sliced rather than appended char by char: most values have no escapes.
 */
function readQuoted(s: string, i: number, lineNo: number): { value: string; end: number } {
  let out = '';
  let segment = i;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) return { value: out + s.slice(segment, i), end: i + 1 };
    if (c === BACKSLASH) {
      const next = s.charCodeAt(i + 1);
      let decoded: string;
      if (next === BACKSLASH) decoded = '\\';
      else if (next === QUOTE) decoded = '"';
      else if (next === 110 /* n */) decoded = '\n';
      else {
        const what = i + 1 < s.length ? `'\\${s[i + 1]}'` : 'a lone backslash';
        throw new ExpositionError(lineNo, 'bad_escape', `invalid escape ${what} in label value at column ${i + 1}`);
      }
      out += s.slice(segment, i) + decoded;
      i += 2;
      segment = i;
      continue;
    }
    i++;
  }
  throw new ExpositionError(lineNo, 'unterminated_quote', 'label value has no closing quote');
}

/**
 * True when the char after a label name continues it illegally (`a-b`, `a:b`, `aé`): that is a bad
 * name, whereas a structural char (`=`, blank, quote, ',', '}') means the name was fine but '=' is missing.
 */
function endsNameBadly(s: string, i: number): boolean {
  if (i >= s.length) return false;
  const c = s.charCodeAt(i);
  return c !== EQUALS && c !== QUOTE && c !== COMMA && c !== CLOSE_BRACE && !isBlank(c);
}

/** Parses the label set whose '{' is just before `i` into `labels`; returns the index after '}'. */
function readLabels(s: string, i: number, labels: Record<string, string>, lineNo: number): number {
  for (;;) {
    i = skipBlanks(s, i);
    // Checked before a name so both `{}` and a trailing comma `{a="b",}` close cleanly.
    if (s.charCodeAt(i) === CLOSE_BRACE) return i + 1;
    if (i >= s.length) throw new ExpositionError(lineNo, 'bad_label', "label set has no closing '}'");

    const nameEnd = scanName(s, i, false);
    if (nameEnd === i || endsNameBadly(s, nameEnd)) {
      throw new ExpositionError(lineNo, 'bad_label_name', `invalid label name: unexpected ${describe(s, nameEnd)}`);
    }
    const name = s.slice(i, nameEnd);
    // The metric name travels as __name__ inside Prometheus; an exposed label of that name would clash.
    if (name === '__name__') throw new ExpositionError(lineNo, 'reserved_label', "label name '__name__' is reserved");

    i = skipBlanks(s, nameEnd);
    if (s.charCodeAt(i) !== EQUALS) {
      throw new ExpositionError(lineNo, 'bad_label', `expected '=' after label '${name}', got ${describe(s, i)}`);
    }
    i = skipBlanks(s, i + 1);
    if (s.charCodeAt(i) !== QUOTE) {
      throw new ExpositionError(lineNo, 'bad_label', `expected '"' to open the value of '${name}', got ${describe(s, i)}`);
    }
    const { value, end } = readQuoted(s, i + 1, lineNo);
    if (Object.hasOwn(labels, name)) {
      throw new ExpositionError(lineNo, 'duplicate_label', `label '${name}' appears twice`);
    }
    labels[name] = value;

    i = skipBlanks(s, end);
    const sep = s.charCodeAt(i);
    if (sep === COMMA) i++;
    else if (sep === CLOSE_BRACE) return i + 1;
    else throw new ExpositionError(lineNo, 'bad_label', `expected ',' or '}' after label '${name}', got ${describe(s, i)}`);
  }
}

/** Parses a trimmed, non-comment line into a sample; throws ExpositionError naming `lineNo`. */
export function parseSampleLine(line: string, lineNo: number): Sample {
  const nameEnd = scanName(line, 0, true);
  const after = line.charCodeAt(nameEnd);
  if (nameEnd === 0 || (nameEnd < line.length && after !== OPEN_BRACE && !isBlank(after))) {
    throw new ExpositionError(lineNo, 'bad_metric_name', `invalid metric name: unexpected ${describe(line, nameEnd)}`);
  }
  const name = line.slice(0, nameEnd);

  // Null prototype: '__proto__' is a valid label name and must land as an own property, not a prototype swap.
  const labels: Record<string, string> = Object.create(null);
  let i = skipBlanks(line, nameEnd);
  if (line.charCodeAt(i) === OPEN_BRACE) i = skipBlanks(line, readLabels(line, i + 1, labels, lineNo));

  if (i >= line.length) throw new ExpositionError(lineNo, 'missing_value', `sample '${name}' has no value`);
  const valueEnd = tokenEnd(line, i);
  const raw = line.slice(i, valueEnd);
  const value = parseFloatToken(raw);
  if (value === undefined) throw new ExpositionError(lineNo, 'bad_value', `'${raw}' is not a valid sample value`);

  const sample: Sample = { name, labels, value, raw };
  i = skipBlanks(line, valueEnd);
  if (i < line.length) {
    const tsEnd = tokenEnd(line, i);
    const tsRaw = line.slice(i, tsEnd);
    const ts = parseTimestampToken(tsRaw);
    if (ts === undefined) {
      throw new ExpositionError(lineNo, 'bad_timestamp', `'${tsRaw}' is not an integer millisecond timestamp`);
    }
    sample.timestampMs = ts;
    i = skipBlanks(line, tsEnd);
    if (i < line.length) {
      throw new ExpositionError(lineNo, 'trailing_garbage', `unexpected '${line.slice(i)}' after the timestamp`);
    }
  }
  return sample;
}

/** HELP text escapes only '\\' and '\n' (quotes are literal there, unlike label values). */
function unescapeHelp(s: string, lineNo: number): string {
  if (s.indexOf('\\') === -1) return s;
  let out = '';
  let segment = 0;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) !== BACKSLASH) continue;
    const next = s.charCodeAt(i + 1);
    if (next !== BACKSLASH && next !== 110 /* n */) {
      const what = i + 1 < s.length ? `'\\${s[i + 1]}'` : 'a lone backslash';
      throw new ExpositionError(lineNo, 'bad_escape', `invalid escape ${what} in HELP text`);
    }
    out += s.slice(segment, i) + (next === BACKSLASH ? '\\' : '\n');
    i++;
    segment = i + 1;
  }
  return out + s.slice(segment);
}

/** Parses a trimmed line starting with '#': HELP/TYPE become a MetaLine, any other comment is null. */
export function parseCommentLine(line: string, lineNo: number): MetaLine | null {
  const kwStart = skipBlanks(line, 1);
  const kwEnd = tokenEnd(line, kwStart);
  const keyword = line.slice(kwStart, kwEnd);
  if (keyword !== 'HELP' && keyword !== 'TYPE') return null;
  const reason = keyword === 'HELP' ? 'bad_help' : 'bad_type';

  const nameStart = skipBlanks(line, kwEnd);
  if (nameStart >= line.length) throw new ExpositionError(lineNo, reason, `# ${keyword} needs a metric name`);
  const nameEnd = tokenEnd(line, nameStart);
  const name = line.slice(nameStart, nameEnd);
  if (!isMetricName(name)) throw new ExpositionError(lineNo, 'bad_metric_name', `invalid metric name '${name}' in # ${keyword}`);

  const restStart = skipBlanks(line, nameEnd);
  if (keyword === 'HELP') return { kind: 'HELP', name, text: unescapeHelp(line.slice(restStart), lineNo) };

  if (restStart >= line.length) throw new ExpositionError(lineNo, 'bad_type', `# TYPE ${name} needs a type`);
  const typeEnd = tokenEnd(line, restStart);
  if (skipBlanks(line, typeEnd) < line.length) {
    throw new ExpositionError(lineNo, 'bad_type', `# TYPE ${name} takes exactly one type, got '${line.slice(restStart)}'`);
  }
  return { kind: 'TYPE', name, text: line.slice(restStart, typeEnd) };
}
