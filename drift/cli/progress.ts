/**
 * Progress of long CLI work on one terminal line: bytes (and rows) done, rate and ETA. Writes only
 * when the stream is a TTY and not quieted, so logs and pipes in CI stay clean; redraws at most
 * every `intervalMs`, and the clock is injected so the line is testable.
 */
export interface ProgressStream {
  isTTY?: boolean;
  write(s: string): unknown;
}

export interface ProgressOptions {
  label: string;
  /** Total bytes, when known (a file's size): gives the percentage and the ETA. */
  totalBytes?: number;
  stream?: ProgressStream;
  quiet?: boolean;
  now?: () => number;
  intervalMs?: number;
}

export interface ProgressState {
  label: string;
  bytes: number;
  rows?: number;
  totalBytes?: number;
  elapsedMs: number;
}

const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
const secs = (ms: number) => (ms >= 60_000 ? `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s` : `${Math.ceil(ms / 1000)}s`);

/** The line for one state: "label: 12.0 MB of 48.0 MB (25%), 120000 rows, 6.0 MB/s, ETA 6s". */
export function progressLine(s: ProgressState): string {
  const parts = [s.totalBytes ? `${mb(s.bytes)} of ${mb(s.totalBytes)} (${Math.floor((100 * s.bytes) / s.totalBytes)}%)` : mb(s.bytes)];
  if (s.rows !== undefined) parts.push(`${s.rows} rows`);
  const rate = s.elapsedMs > 0 ? (s.bytes * 1000) / s.elapsedMs : 0;
  if (rate > 0) parts.push(`${mb(rate)}/s`);
  if (rate > 0 && s.totalBytes && s.bytes < s.totalBytes) parts.push(`ETA ${secs(((s.totalBytes - s.bytes) / rate) * 1000)}`);
  return `${s.label}: ${parts.join(', ')}`;
}

export interface Progress {
  /** `totalBytes` replaces the one given at creation (known only once the work has been sized). */
  update(bytes: number, rows?: number, totalBytes?: number): void;
  /** Clears the line, then prints `message` (when given and enabled). */
  done(message?: string): void;
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const enabled = !!stream.isTTY && !opts.quiet;
  const now = opts.now ?? Date.now;
  const started = now();
  const interval = opts.intervalMs ?? 100;
  let last = -Infinity;
  let total = opts.totalBytes;
  let width = 0;
  const draw = (line: string) => {
    stream.write(`\r${line.padEnd(width)}`);
    width = line.length;
  };
  return {
    update(bytes, rows, totalBytes) {
      if (!enabled) return;
      if (totalBytes !== undefined) total = totalBytes;
      const t = now();
      if (t - last < interval && !(total && bytes >= total)) return;
      last = t;
      draw(progressLine({ label: opts.label, bytes, rows, totalBytes: total, elapsedMs: t - started }));
    },
    done(message) {
      if (!enabled) return;
      if (width) stream.write(`\r${' '.repeat(width)}\r`);
      if (message) stream.write(`${message}\n`);
      width = 0;
    },
  };
}
