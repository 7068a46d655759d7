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
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(25),
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

// Outputs: what callers get back. An output schema also strips any field not named here.
const invitationEmailStatus = z.enum(['queued', 'sent', 'retrying', 'failed', 'none']);

export const memberOutput = z.object({
  userId: z.string(),
  name: z.string(),
  email: z.string(),
  avatarUrl: z.string().nullable(),
  orgRole: orgRoleSchema,
  lastSignInAt: z.date().nullable(),
  joinedAt: z.date(),
  workspaceRoles: z.array(z.object({ workspaceId: z.string(), workspaceName: z.string(), workspaceKind: z.enum(['global', 'chapter']), role: workspaceRoleSchema })),
});

export const pendingInvitationOutput = z.object({
  invitationId: z.string(),
  email: z.string(),
  orgRole: orgRoleSchema,
  workspaceRoles: z.array(z.object({ workspaceId: z.string(), role: workspaceRoleSchema })),
  invitedAt: z.date(),
  expiresAt: z.date(),
  emailStatus: invitationEmailStatus,
  emailError: z.string().nullable(),
  status: z.literal('Pending'),
  expired: z.boolean(),
});

export const listUsersOutput = z.object({
  members: z.array(memberOutput),
  total: z.number(),
  page: z.number(),
  pageSize: z.number(),
  invitations: z.array(pendingInvitationOutput),
});

export const changeOrgRoleOutput = z.object({ userId: z.string(), orgRole: orgRoleSchema, previousOrgRole: orgRoleSchema });
export const setWorkspaceRolesOutput = z.object({ userId: z.string(), workspaces: z.array(workspaceAssignmentSchema) });
export const removeUserOutput = z.object({
  userId: z.string(),
  previousOrgRole: orgRoleSchema,
  unassignedContacts: z.number(),
  revokedApiKeys: z.number(),
  endedSessions: z.number(),
});
export const invitationCreatedOutput = z.object({ id: z.string(), email: z.string(), orgRole: orgRoleSchema, expiresAt: z.date() });
export const invitationResentOutput = z.object({ invitationId: z.string(), email: z.string(), expiresAt: z.date() });
export const invitationRevokedOutput = z.object({ invitationId: z.string(), email: z.string() });
