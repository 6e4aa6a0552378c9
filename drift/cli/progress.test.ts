import { describe, expect, it } from 'vitest';
import { createProgress, progressLine } from './progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, write: (s: string) => writes.push(s), writes };
}

describe('the progress line', () => {
  it('shows bytes done of the total, rows, the rate and the ETA', () => {
    expect(progressLine({ label: 'uploading train.ndjson', bytes: 12 * 1048576, rows: 120_000, totalBytes: 48 * 1048576, elapsedMs: 2000 })).toBe(
      'uploading train.ndjson: 12.0 MB of 48.0 MB (25%), 120000 rows, 6.0 MB/s, ETA 6s',
    );
    expect(progressLine({ label: 'x', bytes: 1048576, elapsedMs: 0 })).toBe('x: 1.0 MB');
  });

  it('draws on a terminal, at most once per interval, and clears itself when done', () => {
    let t = 0;
    const out = fakeStream(true);
    const p = createProgress({ label: 'up', totalBytes: 100, stream: out, now: () => t, intervalMs: 100 });
    t = 50;
    p.update(10, 1);
    t = 60;
    p.update(20, 2); // within the interval: not drawn
    t = 200;
    p.update(100, 10); // the end is always drawn
    p.done('done');
    expect(out.writes.filter((w) => w.startsWith('\rup:'))).toHaveLength(2);
    expect(out.writes.at(-1)).toBe('done\n');
  });

  it('stays quiet when the output is not a terminal, or with --quiet', () => {
    for (const [tty, quiet] of [[false, false], [true, true]] as const) {
      const out = fakeStream(tty);
      const p = createProgress({ label: 'up', totalBytes: 100, stream: out, quiet });
      p.update(100, 1);
      p.done('done');
      expect(out.writes).toEqual([]);
    }
  });
});
