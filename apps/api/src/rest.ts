import express, { type Request, type RequestHandler, type Response } from 'express';
import { TRPCError } from '@trpc/server';
import { getErrorShape } from '@trpc/server/unstable-core-do-not-import';
import {
  acceptsRequestBody,
  coerceSchema,
  createProcedureCache,
  generateOpenApiDocument,
  getErrorFromUnknown,
  getInputOutputParsers,
  getQuery,
  instanceofZodTypeLikeVoid,
  instanceofZodTypeObject,
  normalizePath,
  TRPC_ERROR_CODE_HTTP_STATUS,
  unwrapZodType,
} from 'trpc-to-openapi';
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

/**
 * The REST calls, routed to the procedures by their OpenAPI paths: trpc-to-openapi's own Node
 * handler, less what it redid on every request for nothing here. It built a whole Fetch `Request`
 * (headers, a body stream, an AbortController that raises a DOMException when the response closes)
 * only for a signal no procedure reads, parsed the URL again, and re-walked each input schema to
 * switch on coercion. Inputs are coerced once, at the first call; answers and errors are theirs.
 */
function restHandler(deps: { logger: Logger; resolveCaller: (req: Request, res: Response) => Promise<Context> }): express.RequestHandler {
  const getProcedure = createProcedureCache(appRouter);
  const coerced = new WeakSet<object>();
  const send = (res: Response, status: number, body: unknown) => {
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(body));
  };
  return async (req, res, next) => {
    const method = req.method as 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    const found = getProcedure(method, normalizePath(req.path));
    if (!found?.procedure) return next();
    const { procedure, pathInput } = found;
    let input: Record<string, unknown> | undefined;
    let ctx: Context | undefined;
    try {
      const useBody = acceptsRequestBody(method);
      const contentType = req.headers['content-type'];
      if (useBody && !contentType?.startsWith('application/json')) {
        throw new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: contentType ? `Unsupported content-type "${contentType}` : 'Missing content-type header' });
      }
      const schema = unwrapZodType(getInputOutputParsers(procedure.procedure).inputParser, true);
      if (!instanceofZodTypeLikeVoid(schema)) {
        input = { ...((useBody ? req.body : getQuery(req, new URL(req.originalUrl, 'http://localhost'))) as Record<string, unknown> | undefined), ...pathInput };
      }
      if (instanceofZodTypeObject(schema)) {
        if (!useBody && input) {
          for (const [key, shape] of Object.entries(schema.shape)) {
            const inner = unwrapZodType(shape as never, true) as unknown;
            if (inner instanceof z.ZodArray && input[key] !== undefined && !Array.isArray(input[key])) input[key] = [input[key]];
          }
        }
        if (!coerced.has(schema)) {
          coerceSchema(schema);
          coerced.add(schema);
        }
      }
      ctx = await deps.resolveCaller(req, res);
      const caller = appRouter.createCaller(ctx) as unknown as Record<string, unknown>;
      const call = procedure.path.split('.').reduce<unknown>((at, segment) => (at as Record<string, unknown>)[segment], caller) as (input: unknown) => Promise<unknown>;
      send(res, 200, await call(input));
    } catch (cause) {
      const error = getErrorFromUnknown(cause);
      if (error.code === 'INTERNAL_SERVER_ERROR') deps.logger.error('REST call failed', { procedure: procedure.path, requestId: req.requestId, error: error.cause ?? error });
      const shape = getErrorShape({ config: appRouter._def._config, error, type: procedure.type, path: procedure.path, input, ctx });
      const isInputValidationError = error.code === 'BAD_REQUEST' && error.cause instanceof Error && error.cause.name === 'ZodError';
      send(res, TRPC_ERROR_CODE_HTTP_STATUS[error.code] ?? 500, {
        ...shape,
        message: isInputValidationError ? 'Input validation failed' : (shape?.message ?? error.message ?? 'An error occurred'),
        code: error.code,
        issues: isInputValidationError ? (error.cause as unknown as { issues: unknown }).issues : undefined,
      });
    }
  };
}

export function restApi(deps: { config: Config; db: Db; logger: Logger; document: ReturnType<typeof openApiDocument>; resolveCaller: (req: Request, res: Response) => Promise<Context> }) {
  const router = express.Router();
  const { document } = deps;
  router.get('/openapi.json', (_req, res) => res.json(document));
  router.use(apiKeyRateLimit(deps.config, deps.db));
  router.use(restHandler(deps));
  return router;
}
