/**
 * `mlobs drift check --reference F --current F [--config checks.yaml] [--junit out.xml] [--html report.html]`:
 * the drift report and Evidently-like checks on two files, without a running stack (drift/check).
 * Exit code 0 when every check passed, 1 when one failed, 2 on bad input (through cli/main.ts:
 * a non-retryable MlobsError).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../core/errors.js';
import { parseFlags } from '../../core/flags.js';
import { parseChecks, type CheckResult, type ChecksFile } from '../check/checks.js';
import { checkName, junitXml } from '../check/junit.js';
import { runCheck, type CheckRun } from '../check/run.js';
import { renderDriftHtml } from '../html/render.js';
import type { CategoryData, Distribution } from '../html/types.js';
import { driftTable } from './format.js';
import { createProgress } from './progress.js';

export const CHECK_HELP = `mlobs drift check --reference train.parquet --current batch.parquet [--config checks.yaml]
                  [--junit out.xml] [--html report.html] [--format table|json] [--quiet]
    drift and data checks between two files (Parquet, CSV, TSV, NDJSON) without a running stack;
    exit 0: every check passed, 1: a check failed, 2: bad input`;

function loadChecks(path: string | undefined): ChecksFile {
  if (!path) return parseChecks({});
  if (!existsSync(path)) throw new ConfigError(`--config ${path}: no such file`);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`--config ${path} is not valid YAML: ${(e as Error).message}`);
  }
  try {
    return parseChecks(raw);
  } catch (e) {
    throw new ConfigError(`--config ${path}: ${(e as Error).message}`);
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** The checks as a terminal table, failures first, and a closing count. */
export function checksTable(results: CheckResult[]): string {
  const ordered = [...results.filter((r) => !r.passed), ...results.filter((r) => r.passed)];
  const failed = results.length - results.filter((r) => r.passed).length;
  return [
    table([['result', 'check', 'value', 'condition'], ...ordered.map((r) => [r.passed ? 'pass' : 'FAIL', checkName(r), r.value, `${r.condition} (${r.source})`])]),
    '',
    failed ? `${failed} of ${results.length} checks failed` : `all ${results.length} checks passed`,
  ].join('\n');
}

/** Category frequencies for the HTML page, from the inventory the report already has. */
function distributions(run: CheckRun): Map<string, Distribution> {
  const out = new Map<string, Distribution>();
  for (const f of run.collected.features.values()) {
    if (!f.categories) continue;
    const categories = [...f.categories].slice(0, 12).map(([value, [reference, current]]) => ({ value, reference, current }));
    out.set(f.name, { type: 'categories', categories, referenceTotal: f.reference.categorical, currentTotal: f.current.categorical, numeric: false } satisfies CategoryData);
  }
  return out;
}

function write(path: string, text: string): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, text);
}

export async function check(argv: string[]): Promise<void> {
  const { values } = parseFlags(argv, {
    reference: { type: 'string' }, current: { type: 'string' }, config: { type: 'string' }, junit: { type: 'string' },
    html: { type: 'string' }, format: { type: 'string' }, quiet: { type: 'boolean' },
  });
  for (const n of ['reference', 'current'] as const) if (!values[n]) throw new ConfigError(`--${n} is required; see mlobs drift --help`);
  const fmt = values.format ?? 'table';
  if (fmt !== 'table' && fmt !== 'json') throw new ConfigError(`--format must be table or json, got ${JSON.stringify(fmt)}`);
  const checks = loadChecks(values.config);
  const started = performance.now();
  const progress = createProgress({ label: `drift check ${basename(values.current!)} against ${basename(values.reference!)}`, quiet: values.quiet });
  const run = await runCheck({ referencePath: values.reference!, currentPath: values.current!, checks, onProgress: (p) => progress.update(p.bytes, p.rows, p.totalBytes) });
  progress.done();
  const seconds = (performance.now() - started) / 1000;
  if (values.junit) write(values.junit, junitXml(run.results, `${basename(run.current.path)} vs ${basename(run.reference.path)}`, seconds));
  if (values.html) write(values.html, renderDriftHtml({ report: run.report, distributions: distributions(run), history: [], quality: { current: null, reference: null }, generatedAt: new Date().toISOString(), notes: [] }));
  if (fmt === 'json') console.log(JSON.stringify({ passed: run.results.every((r) => r.passed), checks: run.results, report: run.report }, null, 2));
  else if (!values.quiet || run.results.some((r) => !r.passed)) {
    // The report's first line speaks of a model and windows; for files, name the files.
    const body = driftTable(run.report).split('\n').slice(1).join('\n');
    console.log(`current ${run.current.path} (${run.report.window.rows} rows), reference ${run.reference.path} (${run.report.reference.rows} rows)\n${body}\n\n${checksTable(run.results)}`);
  }
  if (run.results.some((r) => !r.passed)) process.exitCode = 1;
}
