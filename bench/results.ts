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
const subMarkers = (name: string, sub: string) => [`<!-- bench:${name}:${sub}:start -->`, `<!-- bench:${name}:${sub}:end -->`] as const;

/** The sub-sections (`<!-- bench:NAME:SUB:start -->` … end) inside a section's text. */
function subsections(section: string, name: string): { start: string; text: string }[] {
  const out: { start: string; text: string }[] = [];
  for (const m of section.matchAll(new RegExp(`<!-- bench:${name}:([a-z][a-z0-9-]*):start -->`, 'g'))) {
    const [, end] = subMarkers(name, m[1]!);
    const b = section.indexOf(end, m.index!);
    if (b >= 0) out.push({ start: m[0], text: section.slice(m.index!, b + end.length) });
  }
  return out;
}

/**
 * Returns `doc` with sub-section `sub` of bench `name`'s section replaced by `body` (or appended to
 * the section, or a section holding only it): for a case of a bench that runs apart from its main
 * case (bench:drift's wide model), so each run rewrites only what it measured. Pure, for the tests.
 */
export function replaceSubsection(doc: string, name: string, sub: string, body: string, date: Date): string {
  if (!/^[a-z][a-z0-9-]*$/.test(sub)) throw new Error(`sub-section name must be lower-case letters, digits and -, got ${JSON.stringify(sub)}`);
  const [s0, s1] = subMarkers(name, sub);
  const block = `${s0}\n_(${date.toISOString().slice(0, 10)})_\n\n${body.trim()}\n${s1}`;
  const [start, end] = markers(name);
  const a = doc.indexOf(start);
  if (a < 0) return replaceSection(doc, name, block, date);
  const b = doc.indexOf(end, a);
  if (b < 0) throw new Error(`${start} has no ${end}: fix bench/RESULTS.md by hand`);
  const x = doc.indexOf(s0, a);
  if (x >= 0 && x < b) {
    const y = doc.indexOf(s1, x);
    if (y < 0 || y > b) throw new Error(`${s0} has no ${s1}: fix bench/RESULTS.md by hand`);
    return doc.slice(0, x) + block + doc.slice(y + s1.length);
  }
  return `${doc.slice(0, b).replace(/\s*$/, '\n\n')}${block}\n${doc.slice(b)}`;
}

/** Writes sub-section `sub` of bench `name`'s section of bench/RESULTS.md and prints it. */
export function writeSubsection(name: string, sub: string, body: string, file = RESULTS_FILE): void {
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeFileSync(file, replaceSubsection(doc, name, sub, body, new Date()));
  console.log(`\n${body.trim()}\n\n(written to ${file}, section bench:${name}, sub-section ${sub})`);
}

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
    // Sub-sections written by other cases of the same bench survive a re-run of the main case.
    const kept = subsections(text.slice(a, b), name).filter((s) => !body.includes(s.start));
    const merged = kept.length ? `${start}\n## bench:${name} (${date.toISOString().slice(0, 10)})\n\n${body.trim()}\n\n${kept.map((s) => s.text).join('\n\n')}\n${end}` : section;
    return text.slice(0, a) + merged + text.slice(b + end.length);
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
