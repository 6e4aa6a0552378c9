// Slow clients (many connections, a body sent one byte at a time) must not hold the server: the
// request timeout closes them, others are served meanwhile, and connections past the cap are dropped.
// Every wait here is on a socket event, with a deadline that fails the test.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../test/helpers/stack.js';

const REQUEST_TIMEOUT_MS = 2000;
const HEADERS_TIMEOUT_MS = 1500;
const MAX_CONNECTIONS = 4;
// Node looks for expired requests at most every second (app/stack.ts); the rest is room for a busy machine.
const MARGIN_MS = 1000 + 4000;

let s: Awaited<ReturnType<typeof testStack>>;
beforeAll(async () => {
  s = await testStack({ server: { requestTimeoutMs: REQUEST_TIMEOUT_MS, headersTimeoutMs: HEADERS_TIMEOUT_MS, maxConnections: MAX_CONNECTIONS } });
});
afterAll(async () => s?.stop());

interface Client {
  socket: Socket;
  openedAt: number;
  /** Resolves when the server closes the connection, with what it answered and when. */
  closed: Promise<{ atMs: number; answer: string }>;
  stop: () => void;
}

/** Resolves with `p`, or fails the test after `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)));
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** A raw connection that sends `head` at once, then `dribble` one byte every `everyMs`. */
async function open(head: string, dribble = '', everyMs = 100): Promise<Client> {
  const socket = connect(s.port, '127.0.0.1');
  let answer = '';
  socket.on('data', (d) => (answer += d.toString('latin1')));
  const closed = new Promise<{ atMs: number; answer: string }>((resolve) => {
    socket.on('error', () => {}); // a reset is one way of being closed; 'close' follows it
    socket.on('close', () => resolve({ atMs: Date.now(), answer }));
  });
  await within(new Promise((r) => socket.once('connect', r)), 5000, 'connecting');
  const openedAt = Date.now();
  socket.write(head);
  let i = 0;
  const timer = dribble ? setInterval(() => (i < dribble.length && !socket.destroyed ? socket.write(dribble[i++]!) : clearInterval(timer)), everyMs) : undefined;
  closed.finally(() => clearInterval(timer));
  return { socket, openedAt, closed, stop: () => { clearInterval(timer); socket.destroy(); } };
}

const slowPost = () => open(`POST /v1/predictions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`, '['.padEnd(1000, ' '));
const healthz = async () => {
  const c = await open('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  return within(c.closed, 10_000, 'the answer to /healthz');
};

describe('slow clients', () => {
  it('are closed by the request timeout while a normal client is still served', async () => {
    const slow = await Promise.all([slowPost(), slowPost(), slowPost()]);
    try {
      const h = await healthz();
      expect(h.answer).toMatch(/^HTTP\/1\.1 200 /);
      // The slow ones were all still open when /healthz was answered: they did not hold the server.
      for (const c of slow) expect(c.socket.destroyed).toBe(false);
      const ends = await within(Promise.all(slow.map((c) => c.closed)), REQUEST_TIMEOUT_MS + MARGIN_MS, 'closing the slow connections');
      ends.forEach((e, i) => {
        const lived = e.atMs - slow[i]!.openedAt;
        // Closed by the timeout (not earlier, not much later), with a 408 when anything is answered.
        expect(lived).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
        expect(lived).toBeLessThan(REQUEST_TIMEOUT_MS + MARGIN_MS);
        expect(e.answer === '' || /^HTTP\/1\.1 408 /.test(e.answer)).toBe(true);
      });
    } finally {
      slow.forEach((c) => c.stop());
    }
  });

  it('that send their headers slowly are closed by the headers timeout', async () => {
    const c = await open('GET /healthz HTTP/1.1\r\n', 'X-Slow: ' + 'a'.repeat(200), 100);
    try {
      const e = await within(c.closed, HEADERS_TIMEOUT_MS + MARGIN_MS, 'closing the connection with slow headers');
      expect(e.atMs - c.openedAt).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
      expect(e.answer === '' || /^HTTP\/1\.1 408 /.test(e.answer)).toBe(true);
    } finally {
      c.stop();
    }
  });

  it('beyond maxConnections have their connections dropped, and the server serves again once they go', async () => {
    const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => slowPost()));
    try {
      // A complete request on one more connection: without the cap it would be answered 200.
      const extra = await healthz();
      expect(extra.answer).toBe('');
      for (const c of held) expect(c.socket.destroyed).toBe(false);
    } finally {
      held.forEach((c) => c.stop());
    }
    // The server sees the held connections close asynchronously; wait for it to serve again.
    const deadline = Date.now() + 10_000;
    let answer = '';
    while (!/^HTTP\/1\.1 200 /.test(answer)) {
      if (Date.now() > deadline) throw new Error(`the server did not serve again after the held connections went (last answer ${JSON.stringify(answer)})`);
      answer = (await healthz()).answer;
    }
  });
});
