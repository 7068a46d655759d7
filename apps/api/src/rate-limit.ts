import type { NextFunction, Request, Response } from 'express';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { type Db, poolOf } from '@steward/db';

export interface RateLimit {
  name: string;
  windowMs: number;
  max: number;
  key?: (req: Request) => string;
  /** `memory`: counted by each instance alone, at no database cost (see apiKeyRateLimit). */
  store?: 'postgres' | 'memory';
}

/**
 * Fixed-window counters kept in PostgreSQL (`rate_limits`), so every instance behind a load
 * balancer counts against one limit. If the database cannot answer, an in-memory counter per
 * instance stands in (rate-limiter-flexible's insurance limiter) rather than refusing everyone.
 */
function limiterFor(db: Db, limit: RateLimit) {
  const duration = Math.max(1, Math.round(limit.windowMs / 1000));
  if (limit.store === 'memory') return new RateLimiterMemory({ keyPrefix: limit.name, points: limit.max, duration });
  return new RateLimiterPostgres({
    storeClient: poolOf(db),
    storeType: 'pool',
    tableName: 'rate_limits',
    tableCreated: true,
    // The limit is part of the key: instances configured differently (a rolling change) count apart.
    keyPrefix: `${limit.name}:${limit.max}/${duration}s`,
    points: limit.max,
    duration,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${limit.name}:${limit.max}/${duration}s`, points: limit.max, duration }),
  });
}

function tooMany(res: Response, name: string, msBeforeNext: number) {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  res.set('Retry-After', String(retryAfter));
  res.status(429).json({ error: { code: 'TOO_MANY_REQUESTS', message: `Too many ${name} attempts. Try again in ${retryAfter} seconds.` } });
}

/**
 * One middleware for several limits at once: they are counted in parallel (one round trip), and
 * the request goes on only if none is exceeded. Answers 429 with Retry-After.
 */
export function rateLimit(db: Db, ...limits: RateLimit[]) {
  const limiters = limits.map((limit) => ({ limit, limiter: limiterFor(db, limit), keyOf: limit.key ?? ((req: Request) => req.ip ?? 'unknown') }));
  return (req: Request, res: Response, next: NextFunction) => {
    void Promise.allSettled(limiters.map(({ limiter, keyOf }) => limiter.consume(keyOf(req)))).then((outcomes) => {
      let refused: { name: string; msBeforeNext: number } | null = null;
      for (const [index, outcome] of outcomes.entries()) {
        if (outcome.status === 'fulfilled') continue;
        if (!(outcome.reason instanceof RateLimiterRes)) return next(outcome.reason);
        if (!refused || outcome.reason.msBeforeNext > refused.msBeforeNext) refused = { name: limiters[index]!.limit.name, msBeforeNext: outcome.reason.msBeforeNext };
      }
      if (refused) return tooMany(res, refused.name, refused.msBeforeNext);
      next();
    });
  };
}
