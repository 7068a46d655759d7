import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { keyReaches } from '../auth/api-keys.js';
import { authedProcedure } from '../trpc.js';
import { type OrgPermission, orgRoleCan, type WorkspacePermission, workspaceRoleCan } from './matrix.js';
import { resolveWorkspaceAccess } from './roles.js';

export const organisationIdInput = z.object({ organisationId: z.uuid('organisationId must be a UUID') });
export const workspaceIdInput = z.object({ workspaceId: z.uuid('workspaceId must be a UUID') });

const denied = () => new TRPCError({ code: 'FORBIDDEN', message: 'Your role does not allow this.' });

/**
 * A procedure on one organisation. The caller's organisation role is read once; someone outside
 * the organisation gets NOT_FOUND, as if it did not exist. So does everyone while the organisation
 * is scheduled for deletion, except in the procedures marked `whileDeletionScheduled` (restore).
 */
export function orgProcedure(permission: OrgPermission, options: { whileDeletionScheduled?: boolean } = {}) {
  return authedProcedure
    .meta({ access: { scope: 'organisation', permission } })
    .input(organisationIdInput)
    .use(async ({ ctx, input, next }) => {
      // A key was authenticated together with its owner's membership of its one organisation.
      const membership = ctx.apiKey
        ? ctx.apiKey.organisationId === input.organisationId
          ? { org_role: ctx.apiKey.ownerOrgRole }
          : undefined
        : await ctx.db
            .selectFrom('memberships')
            .innerJoin('organisations', 'organisations.id', 'memberships.organisation_id')
            .select('memberships.org_role')
            .where('memberships.organisation_id', '=', input.organisationId)
            .where('memberships.user_id', '=', ctx.user.id)
            .$if(!options.whileDeletionScheduled, (q) => q.where('organisations.deletion_requested_at', 'is', null))
            .executeTakeFirst();
      if (!membership || (ctx.apiKey && ctx.apiKey.organisationId !== input.organisationId)) {
        throw new TRPCError({ code: 'NOT_FOUND', message: 'Organisation not found.' });
      }
      if (ctx.apiKey?.workspaceId) {
        throw new TRPCError({ code: 'FORBIDDEN', message: 'This API key is restricted to one workspace: it cannot reach organisation settings.' });
      }
      if (!orgRoleCan(membership.org_role, permission)) throw denied();
      return next({ ctx: { ...ctx, org: { id: input.organisationId, role: membership.org_role } } });
    });
}

/**
 * A procedure on one workspace. Organisation role, role in this workspace and global role come
 * back in one query; the effective role decides. Outside the owning organisation: NOT_FOUND.
 */
export function workspaceProcedure(needs: WorkspacePermission | { workspace?: WorkspacePermission; org?: OrgPermission }) {
  const { workspace: permission, org: orgPermission } = typeof needs === 'string' ? { workspace: needs, org: undefined } : needs;
  return authedProcedure
    .meta({ access: { scope: 'workspace', permission, orOrg: orgPermission } })
    .input(workspaceIdInput)
    .use(async ({ ctx, input, next }) => {
      // A key's standing in the workspace was read with the key (authedProcedure).
      const access =
        ctx.keyWorkspace?.workspaceId === input.workspaceId ? ctx.keyWorkspace.access : await resolveWorkspaceAccess(ctx.db, ctx.user.id, input.workspaceId);
      if (!access || !keyReaches(ctx.apiKey, access)) {
        throw new TRPCError({ code: 'NOT_FOUND', message: 'Workspace not found.' });
      }
      const { orgRole, role } = access;
      const allowed =
        (permission !== undefined && workspaceRoleCan(role, permission)) || (orgPermission !== undefined && orgRoleCan(orgRole, orgPermission));
      if (!allowed) throw denied();
      return next({
        ctx: {
          ...ctx,
          org: { id: access.organisationId, role: orgRole },
          workspace: { id: access.workspaceId, kind: access.kind, role, fieldsVersion: access.fieldsVersion },
        },
      });
    });
}
