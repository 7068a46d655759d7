import { ORG_ROLES, WORKSPACE_ROLES } from '@steward/db';
import { z } from 'zod';

export const MAX_WORKSPACES_PER_INVITATION = 10;

export const orgRoleSchema = z.enum(ORG_ROLES);
export const workspaceRoleSchema = z.enum(WORKSPACE_ROLES);
export const emailSchema = z.string().trim().toLowerCase().max(254).pipe(z.email('Enter a valid email address.'));

export const workspaceAssignmentSchema = z.object({ workspaceId: z.uuid(), role: workspaceRoleSchema });

export const inviteInput = z.object({
  email: emailSchema,
  orgRole: orgRoleSchema.default('member'),
  workspaces: z
    .array(workspaceAssignmentSchema)
    .max(MAX_WORKSPACES_PER_INVITATION, `An invitation can assign at most ${MAX_WORKSPACES_PER_INVITATION} workspaces.`)
    .default([])
    .refine((list) => new Set(list.map((w) => w.workspaceId)).size === list.length, 'Each workspace can be assigned only once.'),
});

export const listUsersInput = z.object({
  search: z.string().trim().max(100).optional(),
  page: z.number().int().min(1).max(10_000).default(1),
  pageSize: z.number().int().min(1).max(100).default(25),
});

export const userTargetInput = z.object({ userId: z.uuid() });
export const invitationTargetInput = z.object({ invitationId: z.uuid() });

export const changeOrgRoleInput = userTargetInput.extend({ orgRole: orgRoleSchema });

export const setWorkspaceRolesInput = userTargetInput.extend({
  workspaces: z
    .array(workspaceAssignmentSchema)
    .max(500)
    .refine((list) => new Set(list.map((w) => w.workspaceId)).size === list.length, 'Each workspace can be assigned only once.'),
});

export const acceptInvitationInput = z.object({ token: z.string().trim().min(20).max(200) });
