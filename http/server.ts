import { createServer, type RequestListener, type Server } from 'node:http';
import express, { type Express, type Router } from 'express';
import type { Registry } from 'prom-client';
import { bearerAuth } from './auth.js';

export interface HttpAppOptions {
  /** The bearer token every route but health and metrics requires; none on loopback-only servers. */
  authToken?: string;
  registry: Registry;
  /** Problems that make the process unready (storage down, a sink failing), empty when ready. */
  readiness: () => Promise<string[]>;
  /** More for /readyz's body (e.g. per role: whether this process leads); never decides readiness. */
  readinessDetail?: () => Record<string, unknown>;
  /** Every route of the stack (ingest, features' routes), mounted at the root behind the auth. */
  routes: Router[];
  /** Routes that authenticate each request themselves (webhook signatures): mounted before the bearer auth. */
  signedRoutes?: Router[];
}

/** The one HTTP edge: health, readiness and self-metrics, then every contributed route behind one auth, then a JSON 404. */
export function createHttpApp(opts: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  const auth = bearerAuth(opts.authToken);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const problems = await opts.readiness();
    res.status(problems.length ? 503 : 200).json({ status: problems.length ? 'unready' : 'ready', problems, ...opts.readinessDetail?.() });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', opts.registry.contentType);
    res.send(await opts.registry.metrics());
  });
  for (const r of opts.signedRoutes ?? []) app.use(r);
  for (const r of opts.routes) app.use(auth, r);
  app.use((_req, res) => {
    res.status(404).json({ error: 'no such endpoint', reason: 'not_found' });
  });
  return app;
}

/** The server limits of the `server:` config section. */
export interface ServerLimits {
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

/**
 * The HTTP server with the limits that keep slow clients from holding it: a whole request (body
 * included) must arrive within requestTimeoutMs and its headers within headersTimeoutMs (else 408
 * and the connection closes), idle keep-alive connections close after keepAliveTimeoutMs, and
 * connections beyond maxConnections are dropped as they arrive.
 */
export function createHttpServer(s: ServerLimits, app: RequestListener): Server {
  const server = createServer(
    {
      requestTimeout: s.requestTimeoutMs,
      headersTimeout: s.headersTimeoutMs,
      keepAliveTimeout: s.keepAliveTimeoutMs,
      // Node looks for expired requests only this often (30 s by default), so a short timeout
      // would otherwise be overrun by up to that much.
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(s.headersTimeoutMs / 4))),
    },
    app,
  );
  server.maxConnections = s.maxConnections;
  return server;
}
