import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** Requires `Authorization: Bearer <token>` when a token is configured; a no-op otherwise (loopback-only servers). */
export function bearerAuth(token: string | undefined) {
  const expected = token ? Buffer.from(token) : null;
  return (req: Request, res: Response, next: NextFunction) => {
    if (!expected) return next();
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const given = m ? Buffer.from(m[1]!) : null;
    if (given && given.length === expected.length && timingSafeEqual(given, expected)) return next();
    res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(401).json({ error: 'missing or wrong bearer token', reason: 'unauthorized' });
  };
}
