/** Structured logger: one JSON object per line; implementations must never throw. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** A logger writing JSON lines to a stream (stderr by default), dropping levels below `level`. */
export function createLogger(opts: { level?: Level; write?: (line: string) => void; now?: () => number } = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = opts.now ?? Date.now;
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    try {
      write(JSON.stringify({ ts: new Date(now()).toISOString(), level, msg, ...fields }));
    } catch {
      // Logging must never take the process down (e.g. a circular field or a closed stream).
    }
  };
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** A logger that discards everything; for tests. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
