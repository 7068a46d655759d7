import { API_KEY_SCOPES } from '@steward/db';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { orgProcedure, workspaceProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import { createApiKey, listApiKeys, listWorkspaceApiKeys, revokeApiKey, revokeWorkspaceApiKey } from './api-keys.js';

export const createApiKeyInput = z.object({
  name: z.string().trim().min(1, 'Name the key after what uses it.').max(100),
  scope: z.enum(API_KEY_SCOPES).default('admin'),
  expiresAt: z.coerce.date().optional(),
  /** Restricts the key to this workspace: it then reaches nothing else, whatever its owner holds. */
  workspaceId: z.uuid('workspaceId must be a UUID').optional(),
});

const pagingInput = z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1), pageSize: z.coerce.number().int().min(1).max(100).default(25) });

const apiKeyPageOutput = z.object({
  keys: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      prefix: z.string(),
      scope: z.enum(API_KEY_SCOPES),
      expiresAt: z.date().nullable(),
      lastUsedAt: z.date().nullable(),
      revokedAt: z.date().nullable(),
      createdAt: z.date(),
      ownerEmail: z.string(),
      ownerId: z.string(),
      workspaceId: z.string().nullable(),
      workspaceName: z.string().nullable(),
    }),
  ),
  total: z.number(),
  page: z.number(),
  pageSize: z.number(),
});

const revokedOutput = z.object({ id: z.string(), revoked: z.boolean() });

export const apiKeysRouter = router({
  list: orgProcedure('apiKeys.manageOwn')
    .meta({ openapi: { method: 'GET', path: '/organisations/{organisationId}/api-keys', tags: ['api-keys'], summary: 'Your API keys (everyone\'s for organisation admins)' } })
    .input(pagingInput)
    .output(apiKeyPageOutput)
    .query(({ ctx, input }) => listApiKeys(ctx.db, ctx.org.id, { userId: ctx.user.id, orgRole: ctx.org.role }, input)),

  create: orgProcedure('apiKeys.manageOwn')
    .input(createApiKeyInput)
    .mutation(({ ctx, input }) => {
      // A leaked key must not be able to mint more keys.
      if (ctx.apiKey) throw new TRPCError({ code: 'FORBIDDEN', message: 'API keys are created in the console, not with another key.' });
      return createApiKey(ctx.db, actorOf(ctx), ctx.org.id, input);
    }),

  revoke: orgProcedure('apiKeys.manageOwn')
    .meta({ openapi: { method: 'DELETE', path: '/organisations/{organisationId}/api-keys/{apiKeyId}', tags: ['api-keys'], summary: 'Revoke an API key, effective immediately' } })
    .input(z.object({ apiKeyId: z.uuid() }))
    .output(revokedOutput)
    .mutation(({ ctx, input }) => revokeApiKey(ctx.db, { ...actorOf(ctx), orgRole: ctx.org.role }, ctx.org.id, input.apiKeyId)),
});

const placeOf = (ctx: { org: { id: string }; workspace: { id: string } }) => ({ organisationId: ctx.org.id, workspaceId: ctx.workspace.id });

/** The keys restricted to one workspace, seen and revoked by that workspace's admins (seed 002: workspace settings). */
export const workspaceApiKeysRouter = router({
  list: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'GET', path: '/workspaces/{workspaceId}/api-keys', tags: ['api-keys'], summary: 'The API keys restricted to this workspace, whoever owns them' } })
    .input(pagingInput)
    .output(apiKeyPageOutput)
    .query(({ ctx, input }) => listWorkspaceApiKeys(ctx.db, placeOf(ctx), input)),

  revoke: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'DELETE', path: '/workspaces/{workspaceId}/api-keys/{apiKeyId}', tags: ['api-keys'], summary: 'Revoke an API key restricted to this workspace, effective immediately' } })
    .input(z.object({ apiKeyId: z.uuid() }))
    .output(revokedOutput)
    .mutation(({ ctx, input }) => revokeWorkspaceApiKey(ctx.db, actorOf(ctx), placeOf(ctx), input.apiKeyId)),
});
