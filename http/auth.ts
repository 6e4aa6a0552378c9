import { createHash, timingSafeEqual } from 'node:crypto';
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

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Whether `given` is the expected token. Both sides are hashed first: timingSafeEqual needs buffers
 * of equal length, and checking the lengths before it (or returning early on a mismatch) would tell
 * an attacker, by the time the answer takes, how long the token is. Digests are always 32 bytes, so
 * the comparison takes the same path whatever is presented.
 */
export function tokenMatches(given: string | null, expected: string): boolean {
  return timingSafeEqual(digest(given ?? ''), digest(expected)) && given !== null;
}

/** Requires the configured token (see `presented`) when one is configured; a no-op otherwise (loopback-only servers). */
export function bearerAuth(token: string | undefined) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!token) return next();
    if (tokenMatches(presented(req), token)) return next();
    res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(401).json({ error: 'missing or wrong bearer token', reason: 'unauthorized' });
  };
}
