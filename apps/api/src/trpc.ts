import { initTRPC, TRPCError } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import type { Db } from '@steward/db';
import type { SessionUser } from './auth/sessions.js';
import { type ApiKeyCaller, authenticateApiKey, type KeyAuthentication, type KeyWorkspace, scopeAllows } from './auth/api-keys.js';
import type { Config } from './config.js';
import { AppError } from './errors.js';
import type { Logger } from './logger.js';
import type { Access } from './access/matrix.js';
import type { JobQueue } from './email/jobs.js';
import type { Keyring } from './secrets.js';
import type { Actor } from './areas/audit/record.js';

export interface Context {
  db: Db;
  config: Config;
  logger: Logger;
  jobs: JobQueue;
  keyring: Keyring;
  requestId: string;
  ip: string | null;
  user: SessionUser | null;
  sessionId: string | null;
  /** Set when the request came with a bearer key; the user is then the key's owner. */
  apiKey: ApiKeyCaller | null;
  /** Why a presented credential was refused, for the UNAUTHORIZED message. */
  authError: string | null;
  /**
   * A bearer key not yet checked: it is checked by the procedure, together with the workspace the
   * call is about (one query for key, owner and role). Results are kept for the request (a batch).
   */
  bearer?: { key: string; checked: Map<string, Promise<KeyAuthentication | null>> } | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function checkBearer(ctx: Context, workspaceId: string | null): Promise<KeyAuthentication | null> {
  const bearer = ctx.bearer!;
  const cacheKey = workspaceId ?? '';
  let result = bearer.checked.get(cacheKey);
  if (!result) {
    result = authenticateApiKey(ctx.db, bearer.key, workspaceId);
    bearer.checked.set(cacheKey, result);
  }
  return result;
}

function describeZodError(error: ZodError): { message: string; issues: { path: string; message: string }[] } {
  const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const message = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return { message: message || 'The request is not valid.', issues };
}

export interface Meta extends OpenApiMeta {
  /** Set by orgProcedure / workspaceProcedure; the authorisation matrix test reads it. */
  access?: Access;
}

const t = initTRPC.context<Context>().meta<Meta>().create({
  // Stack traces only ever reach the server log, never a response, in any environment.
  isDev: false,
  errorFormatter({ shape, error, ctx }) {
    const { stack: _stack, ...data } = shape.data;
    if (error.cause instanceof ZodError) {
      const described = describeZodError(error.cause);
      return { ...shape, message: described.message, data: { ...data, issues: described.issues } };
    }
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      const requestId = ctx?.requestId;
      return {
        ...shape,
        message: `Something went wrong on our side${requestId ? ` (request ${requestId})` : ''}. It has been logged.`,
        data: { ...data, requestId },
      };
    }
    return { ...shape, data };
  },
});

/** Area functions throw `AppError`; this turns it into the matching tRPC error once, for everything. */
/**
 * Database refusals that bad or stale input can cause, in words; anything else stays a 500.
 * (A foreign key violation: something the request refers to was deleted meanwhile.)
 */
const POSTGRES_INPUT_ERRORS: Record<string, { code: 'NOT_FOUND' | 'BAD_REQUEST'; message: string }> = {
  '23503': { code: 'NOT_FOUND', message: 'Something this request refers to no longer exists. Reload and try again.' },
  '22P02': { code: 'BAD_REQUEST', message: 'A value in the request is not in the expected format.' },
  '22008': { code: 'BAD_REQUEST', message: 'A date in the request is out of range.' },
};

const appErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: cause.code, message: cause.message });
  }
  const postgresCode = !result.ok ? (result.error.cause as { code?: unknown } | undefined)?.code : undefined;
  if (typeof postgresCode === 'string' && POSTGRES_INPUT_ERRORS[postgresCode]) {
    throw new TRPCError(POSTGRES_INPUT_ERRORS[postgresCode]);
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

export const publicProcedure = t.procedure.use(appErrors);

/** The audit log's view of the caller. */
export function actorOf(ctx: Context & { user: SessionUser }): Actor {
  return { userId: ctx.user.id, email: ctx.user.email, apiKeyId: ctx.apiKey?.id ?? null, requestId: ctx.requestId, ip: ctx.ip };
}

/**
 * Narrows `ctx.user` to non-null, so later code never re-checks it. A bearer key is checked here;
 * for a workspace procedure, with the caller's role in the workspace named by the input.
 */
export const authedProcedure = publicProcedure.use(async ({ ctx, meta, type, getRawInput, next }) => {
  let { user, apiKey } = ctx;
  let keyWorkspace: KeyWorkspace | null = null;
  if (ctx.bearer) {
    const raw = meta?.access?.scope === 'workspace' ? ((await getRawInput()) as { workspaceId?: unknown } | undefined) : undefined;
    const workspaceId = typeof raw?.workspaceId === 'string' && UUID.test(raw.workspaceId) ? raw.workspaceId : null;
    const caller = await checkBearer(ctx, workspaceId);
    if (!caller) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'The API key is not valid: it may be wrong, expired or revoked.' });
    ({ user, apiKey } = caller);
    keyWorkspace = caller.workspace;
  }
  if (!user) throw new TRPCError({ code: 'UNAUTHORIZED', message: ctx.authError ?? 'Sign in to continue.' });
  if (apiKey && !scopeAllows(apiKey.scope, type, meta?.access)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `This API key's scope (${apiKey.scope}) does not allow this.` });
  }
  return next({ ctx: { ...ctx, user, apiKey, keyWorkspace } });
});
