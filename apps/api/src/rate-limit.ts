import type { NextFunction, Request, Response } from 'express';

/**
 * A fixed-window counter per key, in memory: enough to blunt guessing from one address against
 * one instance. Answers 429 with Retry-After.
 */
const MAX_TRACKED_KEYS = 50_000;

export function rateLimit(options: { windowMs: number; max: number; key?: (req: Request) => string; name: string }) {
  const hits = new Map<string, { count: number; resetAt: number }>();
  const keyOf = options.key ?? ((req: Request) => req.ip ?? 'unknown');
  return (req: Request, res: Response, next: NextFunction) => {
    const now = Date.now();
    if (hits.size > MAX_TRACKED_KEYS) {
      for (const [k, v] of hits) if (v.resetAt <= now) hits.delete(k);
      // Still full (a flood of distinct keys): forget the oldest; the per-address limit still holds.
      for (const k of hits.keys()) {
        if (hits.size <= MAX_TRACKED_KEYS / 2) break;
        hits.delete(k);
      }
    }
    const key = keyOf(req);
    let entry = hits.get(key);
    if (!entry || entry.resetAt <= now) {
      entry = { count: 0, resetAt: now + options.windowMs };
      hits.set(key, entry);
    }
    entry.count += 1;
    if (entry.count <= options.max) return next();
    const retryAfter = Math.ceil((entry.resetAt - now) / 1000);
    res.set('Retry-After', String(retryAfter));
    res.status(429).json({ error: { code: 'TOO_MANY_REQUESTS', message: `Too many ${options.name} attempts. Try again in ${retryAfter} seconds.` } });
  };
}
