import { describe, expect, it } from 'vitest';
import { median, NOTES_HEADING, percentile, replaceSection, replaceSubsection } from './results.js';

const D1 = new Date('2026-11-26T10:00:00Z');
const D2 = new Date('2026-11-30T10:00:00Z');

describe('percentile (nearest rank)', () => {
  it.each([
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
    [[10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 90, 9],
    [Array.from({ length: 20 }, (_, i) => i + 1), 90, 18],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 100, 10],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    [[7], 90, 7],
    [[3, 1, 2], 1, 1],
  ])('of %j at p%d is %d', (xs, p, want) => expect(percentile(xs, p)).toBe(want));

  it('is not the maximum at p90 once there are more than ten values', () => {
    const runs = Array.from({ length: 20 }, (_, i) => 100 + i);
    expect(percentile(runs, 90)).toBeLessThan(Math.max(...runs));
  });

  it('refuses no values and a percentile outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow(/no values/);
    expect(() => percentile([1], 0)).toThrow(/\(0, 100\]/);
  });
});

describe('median', () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[5], 5],
  ])('of %j is %d', (xs, want) => expect(median(xs)).toBe(want));
});

describe('replaceSection', () => {
  const notes = `${NOTES_HEADING}\n\n### 2026-11-26\nThe ingest path is bounded by the main thread.\n`;

  it('starts a file with a preamble, the section and an empty notes heading', () => {
    const doc = replaceSection('', 'alert', 'median 5 ms', D1);
    expect(doc).toMatch(/^# Benchmark results\n/);
    expect(doc).toContain('<!-- bench:alert:start -->\n## bench:alert (2026-11-26)\n\nmedian 5 ms\n<!-- bench:alert:end -->');
    expect(doc.indexOf('bench:alert:start')).toBeLessThan(doc.indexOf(NOTES_HEADING));
  });

  it('replaces a section on a re-run instead of appending a second one, and leaves the others and the notes alone', () => {
    let doc = replaceSection(`# Benchmark results\n\n${notes}`, 'cost', 'cost 1376 ms', D1);
    doc = replaceSection(doc, 'alert', 'alert old', D1);
    doc = replaceSection(doc, 'alert', 'alert new', D2);
    expect(doc.match(/bench:alert:start/g)).toHaveLength(1);
    expect(doc).not.toContain('alert old');
    expect(doc).toContain('## bench:alert (2026-11-30)\n\nalert new');
    expect(doc).toContain('cost 1376 ms');
    expect(doc.trimEnd().endsWith('The ingest path is bounded by the main thread.')).toBe(true);
  });

  it('keeps sections in name order, all before the notes', () => {
    let doc = replaceSection(`# Benchmark results\n\n${notes}`, 'ingest', 'i', D1);
    doc = replaceSection(doc, 'alert', 'a', D1);
    doc = replaceSection(doc, 'drift', 'd', D1);
    const at = (s: string) => doc.indexOf(s);
    expect([at('bench:alert:start'), at('bench:drift:start'), at('bench:ingest:start'), at(NOTES_HEADING)]).toEqual(
      [at('bench:alert:start'), at('bench:drift:start'), at('bench:ingest:start'), at(NOTES_HEADING)].sort((a, b) => a - b),
    );
  });

  it('refuses a file whose section lost its end marker rather than guessing', () => {
    expect(() => replaceSection('<!-- bench:alert:start -->\nhalf', 'alert', 'x', D1)).toThrow(/has no <!-- bench:alert:end -->/);
  });
});

describe('replaceSubsection', () => {
  const notes = `${NOTES_HEADING}\n\n### 2026-11-26\nanalysis\n`;

  it('adds a case as a sub-section of its bench and replaces only that sub-section on a re-run', () => {
    let doc = replaceSection(`# Benchmark results\n\n${notes}`, 'drift', 'main 20 s', D1);
    doc = replaceSubsection(doc, 'drift', 'wide', 'wide old', D1);
    doc = replaceSubsection(doc, 'drift', 'wide', 'wide new', D2);
    expect(doc.match(/bench:drift:wide:start/g)).toHaveLength(1);
    expect(doc).not.toContain('wide old');
    expect(doc).toContain('main 20 s');
    // Inside the section, before its end marker.
    expect(doc.indexOf('wide new')).toBeGreaterThan(doc.indexOf('main 20 s'));
    expect(doc.indexOf('wide new')).toBeLessThan(doc.indexOf('<!-- bench:drift:end -->'));
    expect(doc.trimEnd().endsWith('analysis')).toBe(true);
  });

  it('keeps a sub-section when the main case rewrites its section', () => {
    let doc = replaceSection(`# Benchmark results\n\n${notes}`, 'drift', 'main old', D1);
    doc = replaceSubsection(doc, 'drift', 'wide', 'wide 10M', D1);
    doc = replaceSection(doc, 'drift', 'main new', D2);
    expect(doc).not.toContain('main old');
    expect(doc).toContain('main new');
    expect(doc).toContain('wide 10M');
    expect(doc.indexOf('wide 10M')).toBeLessThan(doc.indexOf('<!-- bench:drift:end -->'));
  });

  it('starts the section when the bench has none yet', () => {
    const doc = replaceSubsection('', 'drift', 'wide', 'wide only', D1);
    expect(doc).toMatch(/<!-- bench:drift:start -->\n## bench:drift \(2026-11-26\)\n\n<!-- bench:drift:wide:start -->/);
    expect(doc.indexOf('wide only')).toBeLessThan(doc.indexOf(NOTES_HEADING));
  });
});
