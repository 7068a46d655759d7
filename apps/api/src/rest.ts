import express, { type Request, type RequestHandler, type Response } from 'express';
import { createOpenApiExpressMiddleware, generateOpenApiDocument } from 'trpc-to-openapi';
import { z } from 'zod';
import type { Db } from '@steward/db';
import type { Config } from './config.js';
import { hashApiKey, readBearerKey } from './auth/api-keys.js';
import type { Logger } from './logger.js';
import { rateLimit } from './rate-limit.js';
import { appRouter } from './router.js';
import type { Context } from './trpc.js';

export const REST_BASE_PATH = '/api/v1';

/**
 * trpc-to-openapi merges a procedure's `.input()` schemas (ours: the organisation or workspace id,
 * then the procedure's own) into one zod object on every request, which cost more than the rest of
 * its adapter together. Merged once here, exactly as it would: `_def.inputs` is only read by
 * tools like it; tRPC parses input through the middleware each `.input()` added, untouched.
 */
function mergeRestInputsOnce(router: typeof appRouter) {
  for (const procedure of Object.values(router._def.procedures as unknown as Record<string, { _def: { inputs: z.ZodObject[] } }>)) {
    const { inputs } = procedure._def;
    if (inputs.length >= 2) procedure._def.inputs = [inputs.reduce((merged, input) => merged.merge(input), z.object({}))];
  }
}
mergeRestInputsOnce(appRouter);

export function openApiDocument(config: Config) {
  return generateOpenApiDocument(appRouter, {
    title: 'Steward API',
    version: '1.0.0',
    description:
      'The REST surface of Steward, generated from the same procedures as the console. Authenticate with `Authorization: Bearer pai_…`; ' +
      "a key acts for its owner, with the lower of the key's scope and the owner's current role.",
    baseUrl: new URL(REST_BASE_PATH, config.publicUrl).href,
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key, `pai_…`' } },
  });
}

/** /api/v1: the REST surface for bearer keys, with its OpenAPI document and a per-key rate limit. */
/**
 * Limits for calls made with a key: per key (by its hash; the key itself is not kept), and per
 * address at a multiple of that, so inventing a new key for each request gains nothing.
 */
export function apiKeyRateLimit(config: Config, db: Db): RequestHandler {
  return rateLimit(
    db,
    // Per address, against invented keys: per instance, so that a valid call costs one counter
    // write, not two (the per-key limit below is the one shared by every instance).
    { name: 'API', windowMs: 60_000, max: config.restRateLimitPerMinute * 5, store: 'memory' },
    {
      name: 'API',
      windowMs: 60_000,
      max: config.restRateLimitPerMinute,
      key: (req) => {
        const bearer = readBearerKey(req.get('authorization'));
        return bearer ? `key:${hashApiKey(bearer)}` : `ip:${req.ip ?? 'unknown'}`;
      },
    },
  );
}

export function restApi(deps: { config: Config; db: Db; logger: Logger; document: ReturnType<typeof openApiDocument>; resolveCaller: (req: Request, res: Response) => Promise<Context> }) {
  const router = express.Router();
  const { document } = deps;
  router.get('/openapi.json', (_req, res) => res.json(document));
  router.use(apiKeyRateLimit(deps.config, deps.db));
  router.use(
    createOpenApiExpressMiddleware({
      router: appRouter,
      createContext: ({ req, res }) => deps.resolveCaller(req as Request, res as Response),
      maxBodySize: 1_000_000,
      onError({ error, path, req }) {
        if (error.code === 'INTERNAL_SERVER_ERROR') deps.logger.error('REST call failed', { procedure: path, requestId: (req as Request).requestId, error: error.cause ?? error });
      },
      responseMeta: undefined,
    }),
  );
  return router;
}
