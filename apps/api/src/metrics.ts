import { timingSafeEqual, createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { type Db, poolOf } from '@steward/db';
import { QUEUES, type JobQueue } from './email/jobs.js';
import { REST_BASE_PATH } from './rest.js';
import { appRouter } from './router.js';

/**
 * Prometheus metrics of one process: requests per route (the route pattern or the tRPC
 * procedure, never the raw path with its ids), the database pool, and the job queues.
 */
export function createMetrics(deps: { db: Db; jobs: JobQueue; restPaths: string[] }) {
  const routeLabel = routeLabeller(deps.restPaths);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'steward_process_' });
  const requests = new Counter({ name: 'steward_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers: [registry] });
  const durations = new Histogram({
    name: 'steward_http_request_duration_seconds',
    help: 'HTTP request durations by route and method',
    labelNames: ['route', 'method'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const pool = poolOf(deps.db);
  new Gauge({
    name: 'steward_db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  new Gauge({
    name: 'steward_jobs',
    help: 'Background jobs by queue and state (failed: recent failures)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const name of Object.values(QUEUES)) {
        const queue = await deps.jobs.boss.getQueue(name).catch(() => null);
        if (!queue) continue;
        this.set({ queue: name, state: 'queued' }, queue.queuedCount);
        this.set({ queue: name, state: 'active' }, queue.activeCount);
        this.set({ queue: name, state: 'failed' }, queue.failedCount);
      }
    },
  });

  /** Times every request; the route label is known only once the request has been routed. */
  const measure: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const stop = durations.startTimer();
    res.once('finish', () => {
      const route = routeLabel(req);
      stop({ route, method: req.method });
      requests.inc({ route, method: req.method, status: String(res.statusCode) });
    });
    next();
  };
  return { registry, measure };
}

/**
 * Labels come only from what the app defines (tRPC procedure names, OpenAPI path templates), never
 * from the raw URL: a caller inventing paths must not invent metric series (memory).
 */
function routeLabeller(restPaths: string[]): (req: Request) => string {
  const procedures = new Set(Object.keys(appRouter._def.procedures));
  const templates = restPaths.map((template) => ({
    template: `${REST_BASE_PATH}${template}`,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  }));
  return (req) => {
    const url = req.originalUrl.split('?')[0] ?? '';
    if (url.startsWith('/trpc/')) {
      const names = url.slice('/trpc/'.length).split(',');
      if (names.length > 1) return '/trpc/(batch)';
      return procedures.has(names[0]!) ? `/trpc/${names[0]}` : '/trpc/(unknown)';
    }
    if (url.startsWith(`${REST_BASE_PATH}/`)) {
      const rest = url.slice(REST_BASE_PATH.length);
      return templates.find((t) => t.pattern.test(rest))?.template ?? `${REST_BASE_PATH}/(unknown)`;
    }
    if (url.startsWith('/auth/')) return '/auth/*';
    // The public routes of campaign emails: their tokens never become labels.
    if (url.startsWith('/unsubscribe/')) return '/unsubscribe/*';
    if (url.startsWith('/email-logos/')) return '/email-logos/*';
    if (url === '/webhooks/mailersend') return url;
    return url === '/healthz' || url === '/metrics' || url === '/api/docs' ? url : '(console)';
  };
}

/** `/metrics` needs `Authorization: Bearer <METRICS_TOKEN>`; without a token configured it does not exist. */
export function metricsRoute(registry: Registry, token: string | undefined): RequestHandler {
  const expected = token ? createHash('sha256').update(token).digest() : null;
  return async (req, res) => {
    const presented = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (!expected) return res.status(404).json({ error: { code: 'NOT_FOUND', message: 'Metrics are off: set METRICS_TOKEN to serve them.' } });
    if (!presented || !timingSafeEqual(createHash('sha256').update(presented).digest(), expected)) {
      return res.status(401).json({ error: { code: 'UNAUTHORIZED', message: 'Send the metrics token as "Authorization: Bearer …".' } });
    }
    res.type(registry.contentType).send(await registry.metrics());
  };
}
