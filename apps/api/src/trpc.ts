import { initTRPC, TRPCError } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import type { Db } from '@steward/db';
import type { SessionUser } from './auth/sessions.js';
import { hashApiKey } from './auth/api-keys.js';
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
  /**
   * A query that changes nothing (no audit entry, no write): it may run while the key is checked
   * again, its answer released only once the check agrees (see `authedProcedure`).
   */
  sideEffectFree?: true;
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
 * Standings a key was last confirmed to hold in a workspace, by key hash and workspace, so that a
 * read by the same key can run while its standing is checked again (see `authedProcedure`).
 * Bounded; an entry only ever lets a read *start* early, never skips the check.
 */
const CONFIRMED_STANDINGS_LIMIT = 10_000;
const CONFIRMED_STANDING_TTL_MS = 60_000;
const confirmedStandings = new Map<string, { authentication: KeyAuthentication; fingerprint: string; at: number }>();

const standingFingerprint = (authentication: KeyAuthentication) => JSON.stringify(authentication);

function rememberStanding(cacheKey: string, authentication: KeyAuthentication) {
  confirmedStandings.delete(cacheKey);
  if (confirmedStandings.size >= CONFIRMED_STANDINGS_LIMIT) confirmedStandings.delete(confirmedStandings.keys().next().value!);
  confirmedStandings.set(cacheKey, { authentication, fingerprint: standingFingerprint(authentication), at: Date.now() });
}

const scopeRefusal = (apiKey: ApiKeyCaller) => new TRPCError({ code: 'FORBIDDEN', message: `This API key's scope (${apiKey.scope}) does not allow this.` });

/**
 * Narrows `ctx.user` to non-null, so later code never re-checks it. A bearer key is checked here;
 * for a workspace procedure, with the caller's role in the workspace named by the input.
 *
 * A read (a query marked `sideEffectFree`) by a key whose standing in that workspace was confirmed in the last minute
 * runs *while* the key is checked again, not after: the answer is only released if the new check
 * finds exactly the standing the read ran with. Otherwise it is thrown away, and the call fails as
 * it would have, or runs again with the new standing. Writes always wait for the check.
 */
export const authedProcedure = publicProcedure.use(async ({ ctx, meta, type, getRawInput, next }) => {
  if (!ctx.bearer) {
    if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: ctx.authError ?? 'Sign in to continue.' });
    if (ctx.apiKey && !scopeAllows(ctx.apiKey.scope, type, meta?.access)) throw scopeRefusal(ctx.apiKey);
    return next({ ctx: { ...ctx, user: ctx.user, apiKey: ctx.apiKey, keyWorkspace: null as KeyWorkspace | null } });
  }
  const raw = meta?.access?.scope === 'workspace' ? ((await getRawInput()) as { workspaceId?: unknown } | undefined) : undefined;
  const workspaceId = typeof raw?.workspaceId === 'string' && UUID.test(raw.workspaceId) ? raw.workspaceId : null;
  const checking = checkBearer(ctx, workspaceId);
  const allowed = (caller: KeyAuthentication) => scopeAllows(caller.apiKey.scope, type, meta?.access);
  const proceedAs = (caller: KeyAuthentication) =>
    next({ ctx: { ...ctx, user: caller.user, apiKey: caller.apiKey as ApiKeyCaller | null, keyWorkspace: caller.workspace } });

  const cacheKey = workspaceId && type === 'query' && meta?.sideEffectFree ? `${hashApiKey(ctx.bearer.key)}:${workspaceId}` : null;
  const known = cacheKey ? confirmedStandings.get(cacheKey) : undefined;
  if (cacheKey && known && Date.now() - known.at < CONFIRMED_STANDING_TTL_MS && allowed(known.authentication)) {
    const [early, caller] = await Promise.all([proceedAs(known.authentication), checking]);
    if (caller && standingFingerprint(caller) === known.fingerprint) {
      known.at = Date.now();
      return early;
    }
    confirmedStandings.delete(cacheKey);
  }
  const caller = await checking;
  if (!caller) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'The API key is not valid: it may be wrong, expired or revoked.' });
  if (!allowed(caller)) throw scopeRefusal(caller.apiKey);
  if (cacheKey && caller.workspace?.access) rememberStanding(cacheKey, caller);
  return proceedAs(caller);
});
