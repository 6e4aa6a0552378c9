import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitUntil } from './eventually.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

/** Runs `mlobs <args>` as a real child process, as a user would; output is kept for failure messages. */
export function spawnMlobs(args: string[], env: Record<string, string>, nodeArgs: string[] = [], cwd = REPO): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [...nodeArgs, 'bin/mlobs.js', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return Object.assign(child, { output: () => out });
}

/** Waits until GET url answers 200, or throws with the process output (at once if the process exits). */
export async function waitReady(url: string, child: { output: () => string; exitCode: number | null }, timeoutMs = 60_000): Promise<void> {
  try {
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${child.output()}`);
      return (await fetch(url).catch(() => null))?.ok === true;
    }, { timeoutMs, intervalMs: 200, what: `ready at ${url}` });
  } catch (e) {
    throw new Error(`mlobs not ready at ${url}: ${(e as Error).message}\n${child.output()}`);
  }
}
