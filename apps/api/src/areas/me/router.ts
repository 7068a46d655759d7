import { ORG_ROLES, WORKSPACE_ROLES } from '@steward/db';
import { z } from 'zod';
import { ORG_PERMISSIONS, type OrgPermission } from '../../access/matrix.js';
import { authedProcedure } from '../../trpc.js';
import { LIMITS, listMyOrganisations } from './me.js';

/** The signed-in person and the organisations they belong to (the console's switcher). */
export const meQuery = authedProcedure
  .meta({ openapi: { method: 'GET', path: '/me', tags: ['me'], summary: 'The caller and their organisations' } })
  .output(
    z.object({
      user: z.object({ id: z.string(), email: z.string(), name: z.string(), avatarUrl: z.string().nullable() }),
      organisations: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          orgRole: z.enum(ORG_ROLES),
          deletionScheduledUntil: z.string().nullable(),
          paymentPastDue: z.boolean(),
          permissions: z.array(z.enum(Object.keys(ORG_PERMISSIONS) as [OrgPermission, ...OrgPermission[]])),
          workspaces: z.array(z.object({ id: z.string(), name: z.string(), slug: z.string(), kind: z.enum(['global', 'chapter']), role: z.enum(WORKSPACE_ROLES) })),
        }),
      ),
      limits: z.object({ maxWorkspacesPerInvitation: z.number(), maxLogoBytes: z.number(), maxImportBytes: z.number() }),
    }),
  )
  .query(async ({ ctx }) => ({
  user: ctx.user,
  // A key speaks for one organisation: it does not reveal its owner's others.
  organisations: (await listMyOrganisations(ctx.db, ctx.user.id))
    .filter((o) => !ctx.apiKey || o.id === ctx.apiKey.organisationId)
    // A key restricted to one workspace shows only that one.
    .map((o) => (ctx.apiKey?.workspaceId ? { ...o, workspaces: o.workspaces.filter((w) => w.id === ctx.apiKey!.workspaceId) } : o)),
  limits: LIMITS,
}));
