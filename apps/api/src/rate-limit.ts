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

interface Limiter {
  consume(key: string): Promise<unknown>;
}

/** How long a batch of locally counted points waits before it is added to the shared counter. */
const FLUSH_MS = 100;

/**
 * A shared limit that does not cost a database write per request. Far from the limit, an instance
 * counts locally and adds its points to the shared counter in one write every FLUSH_MS (or every
 * `batch` points); near the limit (within `batch` of it, as last seen) every point is counted in
 * the database before the request goes on. What other instances counted meanwhile can therefore
 * let through at most `batch` points more per other instance: `batch` is 1 % of the limit, and 0
 * (every point counted exactly) for limits under 100 a window.
 */
export class BatchedSharedLimiter implements Limiter {
  private readonly batch: number;
  private readonly keys = new Map<string, { consumed: number; resetAt: number; pending: number; timer: NodeJS.Timeout | null }>();

  constructor(
    private readonly shared: RateLimiterPostgres,
    private readonly max: number,
  ) {
    this.batch = Math.min(100, Math.floor(max / 100));
  }

  async consume(key: string): Promise<void> {
    const now = Date.now();
    const state = this.keys.get(key);
    if (state && now < state.resetAt && state.pending < this.batch && state.consumed + state.pending + this.batch < this.max) {
      state.pending += 1;
      state.timer ??= setTimeout(() => void this.flush(key), FLUSH_MS).unref();
      return;
    }
    // Counted in the database now, together with whatever waits for the next flush.
    const points = 1 + (state && now < state.resetAt ? this.takePending(state) : 0);
    try {
      this.remember(key, await this.shared.consume(key, points));
    } catch (error) {
      if (error instanceof RateLimiterRes) this.remember(key, error);
      throw error;
    }
  }

  private takePending(state: { pending: number; timer: NodeJS.Timeout | null }): number {
    const points = state.pending;
    state.pending = 0;
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    return points;
  }

  private remember(key: string, result: RateLimiterRes) {
    const state = this.keys.get(key);
    const resetAt = Date.now() + result.msBeforeNext;
    if (state) Object.assign(state, { consumed: result.consumedPoints, resetAt });
    else this.keys.set(key, { consumed: result.consumedPoints, resetAt, pending: 0, timer: null });
    // Forget keys whose window ended, so the map does not grow with every key ever seen.
    if (this.keys.size > 10_000) for (const [k, s] of this.keys) if (s.resetAt <= Date.now() && s.pending === 0) this.keys.delete(k);
  }

  private async flush(key: string) {
    const state = this.keys.get(key);
    if (!state) return;
    const points = this.takePending(state);
    if (points === 0) return;
    try {
      this.remember(key, await this.shared.consume(key, points));
    } catch (error) {
      // Over the limit: remembered, so the next request is counted (and refused) in the database.
      if (error instanceof RateLimiterRes) this.remember(key, error);
    }
  }
}

/**
 * Fixed-window counters kept in PostgreSQL (`rate_limits`), so every instance behind a load
 * balancer counts against one limit. If the database cannot answer, an in-memory counter per
 * instance stands in (rate-limiter-flexible's insurance limiter) rather than refusing everyone.
 */
export function limiterFor(db: Db, limit: RateLimit): Limiter {
  const duration = Math.max(1, Math.round(limit.windowMs / 1000));
  if (limit.store === 'memory') return new RateLimiterMemory({ keyPrefix: limit.name, points: limit.max, duration });
  const shared = new RateLimiterPostgres({
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
  return new BatchedSharedLimiter(shared, limit.max);
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
