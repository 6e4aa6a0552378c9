import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

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

/** Waits until GET url answers 200, or throws with the process output. */
export async function waitReady(url: string, child: { output: () => string; exitCode: number | null }, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`mlobs exited with ${child.exitCode}:\n${child.output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`mlobs not ready at ${url} after ${timeoutMs} ms:\n${child.output()}`);
}
