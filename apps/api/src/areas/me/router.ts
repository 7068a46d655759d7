import { ORG_ROLES } from '@steward/db';
import { z } from 'zod';
import { ORG_PERMISSIONS, type OrgPermission } from '../../access/matrix.js';
import { authedProcedure } from '../../trpc.js';
import { listMyOrganisations } from './me.js';

/** The signed-in person and the organisations they belong to (the console's switcher). */
export const meQuery = authedProcedure
  .meta({ openapi: { method: 'GET', path: '/me', tags: ['me'], summary: 'The caller and their organisations' } })
  .output(
    z.object({
      user: z.object({ id: z.string(), email: z.string(), name: z.string(), avatarUrl: z.string().nullable() }),
      organisations: z.array(z.object({ id: z.string(), name: z.string(), orgRole: z.enum(ORG_ROLES), permissions: z.array(z.enum(Object.keys(ORG_PERMISSIONS) as [OrgPermission, ...OrgPermission[]])) })),
    }),
  )
  .query(async ({ ctx }) => ({
  user: ctx.user,
  organisations: await listMyOrganisations(ctx.db, ctx.user.id),
}));
