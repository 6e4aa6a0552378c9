// Strict parser for the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Strict because a malformed scrape
// silently half-ingested is worse than a counted, rejected one: the scrape loop catches
// ExpositionError and records its `reason`.

import { ExpositionError } from './exposition-error.js';
import { isBlank, parseCommentLine, parseSampleLine } from './exposition-line.js';
import { parseFloatToken } from './exposition-number.js';

export { ExpositionError, type ExpositionErrorReason } from './exposition-error.js';

/** The metric types a `# TYPE` line may declare; families without one are 'untyped'. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export type { Sample } from './exposition-line.js';
import type { Sample } from './exposition-line.js';

/** All samples attributed to one metric name, with its HELP text ('' when absent) and TYPE. */
export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const METRIC_TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

interface FamilyState {
  family: MetricFamily;
  hasHelp: boolean;
  hasType: boolean;
}

/** Families by name, in order of first mention (HELP, TYPE or sample) so output follows the input. */
class FamilyTable {
  readonly byName = new Map<string, FamilyState>();
  readonly ordered: MetricFamily[] = [];

  get(name: string): FamilyState {
    let state = this.byName.get(name);
    if (state === undefined) {
      state = { family: { name, type: 'untyped', help: '', samples: [] }, hasHelp: false, hasType: false };
      this.byName.set(name, state);
      this.ordered.push(state.family);
    }
    return state;
  }

  /**
   * Histogram and summary series carry suffixes, so `x_bucket` belongs to `x` when `x` is declared a
   * histogram. The suffix check comes first (as in the reference Go parser) so a declared family wins
   * over an accidental family literally named `x_count`.
   */
  forSample(name: string): FamilyState {
    const base = suffixedBase(name, '_bucket') ?? suffixedBase(name, '_sum') ?? suffixedBase(name, '_count');
    if (base !== undefined) {
      const state = this.byName.get(base);
      const type = state?.family.type;
      if (state && (type === 'histogram' || (type === 'summary' && !name.endsWith('_bucket')))) return state;
    }
    return this.get(name);
  }
}

function suffixedBase(name: string, suffix: string): string | undefined {
  return name.length > suffix.length && name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
}

function applyHelp(table: FamilyTable, name: string, text: string, lineNo: number): void {
  const state = table.get(name);
  // The format allows one HELP per name; a second one means two producers were concatenated.
  if (state.hasHelp) throw new ExpositionError(lineNo, 'duplicate_help', `second # HELP for '${name}'`);
  state.family.help = text;
  state.hasHelp = true;
}

function applyType(table: FamilyTable, name: string, type: string, lineNo: number): void {
  if (!METRIC_TYPES.has(type)) throw new ExpositionError(lineNo, 'unknown_type', `unknown metric type '${type}' for '${name}'`);
  const state = table.get(name);
  if (state.hasType) throw new ExpositionError(lineNo, 'duplicate_type', `second # TYPE for '${name}'`);
  // Samples already taken under 'untyped' (or attributed differently) would be wrong in hindsight.
  if (state.family.samples.length > 0) {
    throw new ExpositionError(lineNo, 'type_after_samples', `# TYPE for '${name}' comes after its samples`);
  }
  state.family.type = type as MetricType;
  state.hasType = true;
}

/** Bucket bounds and quantiles are what make histogram/summary series meaningful, so they must parse. */
function checkTypedSample(family: MetricFamily, sample: Sample, lineNo: number): void {
  if (family.type === 'histogram') {
    if (sample.name === family.name) {
      throw new ExpositionError(lineNo, 'bad_histogram_sample', `histogram '${family.name}' needs a _bucket, _sum or _count suffix`);
    }
    if (sample.name.endsWith('_bucket')) checkBound(sample, 'le', lineNo);
  } else if (family.type === 'summary' && sample.name === family.name) {
    checkBound(sample, 'quantile', lineNo);
  }
}

function checkBound(sample: Sample, label: 'le' | 'quantile', lineNo: number): void {
  const bound = sample.labels[label];
  const missing = label === 'le' ? 'missing_le' : 'missing_quantile';
  const bad = label === 'le' ? 'bad_le' : 'bad_quantile';
  if (bound === undefined) throw new ExpositionError(lineNo, missing, `'${sample.name}' has no '${label}' label`);
  if (parseFloatToken(bound) === undefined) throw new ExpositionError(lineNo, bad, `'${label}="${bound}"' is not a number`);
}

/**
 * Parses a whole text exposition (LF or CRLF, final newline optional) into metric families.
 * Throws ExpositionError for the first offending line; never returns a partial result.
 */
export function parseExposition(text: string): { families: MetricFamily[] } {
  const table = new FamilyTable();
  let lineNo = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const next = end + 1;
    lineNo++;

    // Trim here once: CR of a CRLF ending, then the blanks the format says are insignificant.
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
    while (start < end && isBlank(text.charCodeAt(start))) start++;

    if (start < end) {
      const line = text.slice(start, end);
      if (line.charCodeAt(0) === 35 /* # */) {
        const meta = parseCommentLine(line, lineNo);
        if (meta?.kind === 'HELP') applyHelp(table, meta.name, meta.text, lineNo);
        else if (meta?.kind === 'TYPE') applyType(table, meta.name, meta.text, lineNo);
      } else {
        const sample = parseSampleLine(line, lineNo);
        const { family } = table.forSample(sample.name);
        checkTypedSample(family, sample, lineNo);
        family.samples.push(sample);
      }
    }
    start = next;
  }
  return { families: table.ordered };
}
