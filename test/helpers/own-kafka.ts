// A Kafka broker of the test file's own, for tests that stop and freeze processes: the test command's
// shared broker (KAFKA_BROKERS) is left alone. `portEnv` names a variable that fixes the port (with its
// own data dir under tmp/); otherwise a free pair of ports and a temporary dir are used.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO, freePort } from './process.js';

const run = promisify(execFile);

const portFree = (p: number) =>
  new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(p, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

export async function startOwnKafka(portEnv: string): Promise<{ brokers: string; stop: () => Promise<void> }> {
  let port = Number(process.env[portEnv] ?? 0);
  const fixed = port > 0;
  const dir = fixed ? join(REPO, 'tmp', `kafka-${port}`) : mkdtempSync(join(tmpdir(), 'mlobs-own-kafka-'));
  if (!fixed) {
    for (let i = 0; i < 20 && !port; i++) {
      const p = await freePort();
      if (p < 65534 && (await portFree(p + 1))) port = p;
    }
    if (!port) throw new Error('no two adjacent free ports for the test broker');
  }
  const kafka = (cmd: 'start' | 'stop') => run('bash', [join(REPO, 'deploy/kafka/kafka.sh'), cmd, '--port', String(port), '--dir', dir], { timeout: 150_000 });
  await kafka('start');
  return {
    brokers: `127.0.0.1:${port}`,
    stop: async () => {
      // A broker given by the environment is the developer's to stop; a temporary one is ours.
      if (fixed) return;
      await kafka('stop').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
