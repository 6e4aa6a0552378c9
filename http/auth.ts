import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** The secret a request presents: a bearer token, or (for ClickHouse clients such as Grafana's datasource) the password of basic auth or the X-ClickHouse-Key header. */
function presented(req: Request): string | null {
  const auth = req.headers.authorization ?? '';
  const bearer = /^Bearer (.+)$/.exec(auth);
  if (bearer) return bearer[1]!;
  const basic = /^Basic (.+)$/.exec(auth);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    return i >= 0 ? decoded.slice(i + 1) : null;
  }
  const key = req.headers['x-clickhouse-key'];
  return typeof key === 'string' ? key : null;
}

/** Requires the configured token (see `presented`) when one is configured; a no-op otherwise (loopback-only servers). */
export function bearerAuth(token: string | undefined) {
  const expected = token ? Buffer.from(token) : null;
  return (req: Request, res: Response, next: NextFunction) => {
    if (!expected) return next();
    const p = presented(req);
    const given = p !== null ? Buffer.from(p) : null;
    if (given && given.length === expected.length && timingSafeEqual(given, expected)) return next();
    res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(401).json({ error: 'missing or wrong bearer token', reason: 'unauthorized' });
  };
}
