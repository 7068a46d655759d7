import { z } from 'zod';
import { emailSchema, orgRoleSchema, workspaceRoleSchema } from '../users/schemas.js';

export const teamListInput = z.object({
  search: z.string().trim().max(100).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(50),
});

export const teamInviteInput = z.object({ email: emailSchema, role: workspaceRoleSchema.default('member') });
export const teamTargetInput = z.object({ userId: z.uuid('userId must be a UUID') });
export const teamInvitationTargetInput = z.object({ invitationId: z.uuid('invitationId must be a UUID') });
export const teamSetRoleInput = teamTargetInput.extend({ role: workspaceRoleSchema });

const person = {
  userId: z.string(),
  name: z.string(),
  email: z.string(),
  avatarUrl: z.string().nullable(),
  orgRole: orgRoleSchema,
  /** The role in the organisation's global workspace, which applies in every workspace. */
  globalRole: workspaceRoleSchema.nullable(),
  /** The higher of the global role and the workspace role; admin for organisation admins. */
  effectiveRole: workspaceRoleSchema,
};

export const teamListOutput = z.object({
  /** People with a role in this workspace. */
  members: z.array(z.object({ ...person, workspaceRole: workspaceRoleSchema })),
  total: z.number(),
  page: z.number(),
  pageSize: z.number(),
  /** People without a role here whose global role (or organisation admin role) reaches in. */
  reachingIn: z.array(z.object({ ...person, reason: z.enum(['organisation_admin', 'global_role']) })),
  invitations: z.array(
    z.object({
      invitationId: z.string(),
      email: z.string(),
      role: workspaceRoleSchema,
      invitedAt: z.date(),
      expiresAt: z.date(),
      expired: z.boolean(),
      /** Whether this workspace's admins may revoke it (a member invited into this workspace only). */
      revocable: z.boolean(),
    }),
  ),
});

export const teamInviteOutput = z.object({
  /** `added`: already in the organisation, given the role at once; `invited`: an invitation was emailed. */
  outcome: z.enum(['added', 'invited']),
  email: z.string(),
  role: workspaceRoleSchema,
  userId: z.string().nullable(),
  invitationId: z.string().nullable(),
});

export const teamSetRoleOutput = z.object({ userId: z.string(), role: workspaceRoleSchema, previousRole: workspaceRoleSchema });
export const teamRemoveOutput = z.object({ userId: z.string(), previousRole: workspaceRoleSchema, unassignedContacts: z.number() });
export const teamInvitationRevokedOutput = z.object({ invitationId: z.string(), email: z.string() });
