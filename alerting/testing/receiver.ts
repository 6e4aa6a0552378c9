import { waitUntil } from '../../test/helpers/eventually.js';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP receiver for tests and the benchmark: records JSON bodies; `answer` decides status or hang. */
export async function startReceiver(answer: (n: number) => number | 'hang' = () => 200) {
  const bodies: { path: string; body: any; atMs: number }[] = [];
  let hits = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const a = answer(hits++);
      if (a === 'hang') return; // never answers: the client's timeout must end it
      if (a < 300) {
        bodies.push({ path: req.url ?? '', body: data ? JSON.parse(data) : null, atMs: Date.now() });
      }
      res.writeHead(a, { 'content-type': 'text/plain' }).end(a < 300 ? 'ok' : 'boom');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    bodies,
    hits: () => hits,
    /** Resolves when at least n bodies arrived (or rejects after timeoutMs). */
    async waitFor(n: number, timeoutMs = 10_000) {
      await waitUntil(() => bodies.length >= n, { timeoutMs, what: `receiver expecting ${n} notifications, got ${bodies.length}` });
      return bodies;
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
