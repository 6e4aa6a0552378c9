import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP receiver for tests and the benchmark: records JSON bodies; `answer` decides status or hang. */
export async function startReceiver(answer: (n: number) => number | 'hang' = () => 200) {
  const bodies: { path: string; body: any; atMs: number }[] = [];
  let hits = 0;
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const a = answer(hits++);
      if (a === 'hang') return; // never answers: the client's timeout must end it
      if (a < 300) {
        bodies.push({ path: req.url ?? '', body: data ? JSON.parse(data) : null, atMs: Date.now() });
        waiters.splice(0).forEach((w) => w());
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
      const until = Date.now() + timeoutMs;
      while (bodies.length < n) {
        if (Date.now() > until) throw new Error(`receiver got ${bodies.length} of ${n} notifications`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return bodies;
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
