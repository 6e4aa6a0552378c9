/**
 * bench/RESULTS.md holds one section per benchmark, written by that benchmark only and replaced
 * whole on every run (between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->`), so a
 * stale figure cannot survive a re-run next to a fresh one. Sections hold measured figures, the
 * date and the machine; analysis lives in the hand-written "Notes (analysis, dated)" section at the
 * end, which no benchmark touches.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export const RESULTS_FILE = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
export const NOTES_HEADING = '## Notes (analysis, dated)';
const TITLE = '# Benchmark results';
const PREAMBLE = `${TITLE}

Each section below is written by its benchmark (\`npm run bench:NAME\`) and replaced whole when it runs again:
measured figures only. Analysis and interpretation are in "Notes (analysis, dated)" at the end.`;

/** Nearest-rank percentile (p in (0, 100]): the smallest value with at least p % of the values at or below it. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of no values');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}

/** The median: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The machine a figure was measured on, with the 1-minute load average (other work shares it). */
export function machineLine(extra = ''): string {
  const cpu = cpus();
  return `Machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}${extra ? `, ${extra}` : ''}; 1-minute load average ${loadavg()[0]!.toFixed(2)} when written.`;
}

const markers = (name: string) => [`<!-- bench:${name}:start -->`, `<!-- bench:${name}:end -->`] as const;

/**
 * Returns `doc` with the section of bench `name` replaced by `body` (heading and date added), or
 * inserted before the notes (sections in name order) when it has none. Pure, for the tests.
 */
export function replaceSection(doc: string, name: string, body: string, date: Date): string {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`bench name must be lower-case letters, digits and -, got ${JSON.stringify(name)}`);
  const [start, end] = markers(name);
  const section = `${start}\n## bench:${name} (${date.toISOString().slice(0, 10)})\n\n${body.trim()}\n${end}`;
  const text = doc.trim() ? doc : `${PREAMBLE}\n\n${NOTES_HEADING}\n`;
  const a = text.indexOf(start);
  if (a >= 0) {
    const b = text.indexOf(end, a);
    if (b < 0) throw new Error(`${start} has no ${end}: fix bench/RESULTS.md by hand`);
    return text.slice(0, a) + section + text.slice(b + end.length);
  }
  // Insert before the first later-named section, else before the notes, else at the end.
  const others = [...text.matchAll(/<!-- bench:([a-z0-9-]+):start -->/g)];
  const after = others.find((m) => m[1]! > name);
  const notes = text.indexOf(NOTES_HEADING);
  const at = after ? after.index! : notes >= 0 ? notes : text.length;
  const before = text.slice(0, at).replace(/\s*$/, '\n\n');
  const rest = text.slice(at);
  return before + section + (rest ? `\n\n${rest}` : '\n');
}

/** Writes bench `name`'s section of bench/RESULTS.md (replacing its previous one) and prints it. */
export function writeSection(name: string, body: string, file = RESULTS_FILE): void {
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeFileSync(file, replaceSection(doc, name, body, new Date()));
  console.log(`\n${body.trim()}\n\n(written to ${file}, section bench:${name})`);
}
