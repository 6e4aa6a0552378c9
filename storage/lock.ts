import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MlobsError } from '../core/errors.js';

/**
 * Claims a data directory for this process: the embedded engine must never be opened by two
 * processes at once. Returns a release function. A lock left by a dead process is taken over.
 */
export function lockDataDir(dir: string, pid = process.pid): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'mlobs.lock');
  for (let i = 0; i < 2; i++) {
    try {
      writeFileSync(file, String(pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (owner && owner !== pid && alive(owner)) {
        throw new MlobsError(
          `data directory ${dir} is in use by process ${owner}; one process holds one data directory (query a running stack through its HTTP API, e.g. mlobs sql --url ...)`,
          { reason: 'data_dir_locked', retryable: false },
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new MlobsError(`could not lock data directory ${dir}`, { reason: 'data_dir_locked', retryable: false });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
