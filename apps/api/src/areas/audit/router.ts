import { z } from 'zod';
import { orgProcedure } from '../../access/middleware.js';
import { router } from '../../trpc.js';
import { listAuditEntries } from './audit.js';

const auditDate = z.coerce
  .date()
  .min(new Date('2000-01-01'), 'Choose a date after 2000.')
  .max(new Date('9999-12-31'), 'Choose a date before the year 10000.');

export const listAuditInput = z.object({
  actorUserId: z.uuid().optional(),
  action: z.string().trim().max(100).optional(),
  workspaceId: z.uuid().optional(),
  from: auditDate.optional(),
  to: auditDate.optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

export const auditPageOutput = z.object({
  entries: z.array(
    z.object({
      id: z.number(),
      occurredAt: z.date(),
      workspaceId: z.string().nullable(),
      actorUserId: z.string().nullable(),
      actorEmail: z.string().nullable(),
      actorApiKeyId: z.string().nullable(),
      action: z.string(),
      targetType: z.string(),
      targetId: z.string().nullable(),
      before: z.unknown(),
      after: z.unknown(),
      requestId: z.string().nullable(),
      ip: z.string().nullable(),
    }),
  ),
  total: z.number(),
  page: z.number(),
  pageSize: z.number(),
  actions: z.array(z.string()),
  actors: z.array(z.object({ userId: z.string(), email: z.string() })),
});

/** Read-only by design: nothing in Steward changes or deletes an entry (the table refuses it too). */
export const auditRouter = router({
  list: orgProcedure('audit.view')
    .meta({ openapi: { method: 'GET', path: '/organisations/{organisationId}/audit', tags: ['audit'], summary: 'Browse the audit log, newest first' } })
    .input(listAuditInput)
    .output(auditPageOutput)
    .query(({ ctx, input }) => listAuditEntries(ctx.db, ctx.org.id, input)),
});
