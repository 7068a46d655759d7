import { API_KEY_SCOPES } from '@steward/db';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { orgProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.js';

export const createApiKeyInput = z.object({
  name: z.string().trim().min(1, 'Name the key after what uses it.').max(100),
  scope: z.enum(API_KEY_SCOPES).default('admin'),
  expiresAt: z.coerce.date().optional(),
});

export const apiKeysRouter = router({
  list: orgProcedure('apiKeys.manageOwn')
    .meta({ openapi: { method: 'GET', path: '/organisations/{organisationId}/api-keys', tags: ['api-keys'], summary: 'Your API keys (everyone\'s for organisation admins)' } })
    .input(z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1), pageSize: z.coerce.number().int().min(1).max(100).default(25) }))
    .output(
      z.object({
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
        }),
        ),
        total: z.number(),
        page: z.number(),
        pageSize: z.number(),
      }),
    )
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
    .output(z.object({ id: z.string(), revoked: z.boolean() }))
    .mutation(({ ctx, input }) => revokeApiKey(ctx.db, { ...actorOf(ctx), orgRole: ctx.org.role }, ctx.org.id, input.apiKeyId)),
});
