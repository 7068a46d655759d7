import { z } from 'zod';
import { orgProcedure } from '../../access/middleware.js';
import { router } from '../../trpc.js';
import { listAuditEntries } from './audit.js';

export const listAuditInput = z.object({
  actorUserId: z.uuid().optional(),
  action: z.string().trim().max(100).optional(),
  workspaceId: z.uuid().optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

/** Read-only by design: nothing in Steward changes or deletes an entry (the table refuses it too). */
export const auditRouter = router({
  list: orgProcedure('audit.view')
    .input(listAuditInput)
    .query(({ ctx, input }) => listAuditEntries(ctx.db, ctx.org.id, input)),
});
