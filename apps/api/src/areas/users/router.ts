import { TRPCError } from '@trpc/server';
import { orgProcedure } from '../../access/middleware.js';
import { actorOf, authedProcedure, router } from '../../trpc.js';
import { acceptInvitation, inviteUser, previewInvitation, resendInvitation, revokeInvitation } from './invitations.js';
import { changeOrgRole, leaveOrganisation, listUsers, removeUser, setWorkspaceRoles } from './members.js';
import {
  acceptInvitationInput,
  changeOrgRoleOutput,
  invitationCreatedOutput,
  invitationResentOutput,
  invitationRevokedOutput,
  listUsersOutput,
  removeUserOutput,
  setWorkspaceRolesOutput,
  changeOrgRoleInput,
  invitationTargetInput,
  inviteInput,
  listUsersInput,
  setWorkspaceRolesInput,
  userTargetInput,
} from './schemas.js';

export const usersRouter = router({
  list: orgProcedure('organisation.view')
    .meta({ openapi: { method: 'GET', path: '/organisations/{organisationId}/users', tags: ['users'], summary: 'List members and pending invitations' } })
    .input(listUsersInput)
    .output(listUsersOutput)
    .query(({ ctx, input }) => listUsers(ctx.db, ctx.org.id, input)),

  changeOrgRole: orgProcedure('users.manageAnyRole')
    .meta({ openapi: { method: 'PATCH', path: '/organisations/{organisationId}/users/{userId}/role', tags: ['users'], summary: "Change a user's organisation role" } })
    .input(changeOrgRoleInput)
    .output(changeOrgRoleOutput)
    .mutation(({ ctx, input }) => changeOrgRole(ctx.db, actorOf(ctx), ctx.org.id, input.userId, input.orgRole)),

  setWorkspaceRoles: orgProcedure('users.assignWorkspaces')
    .meta({ openapi: { method: 'PUT', path: '/organisations/{organisationId}/users/{userId}/workspaces', tags: ['users'], summary: "Replace a user's workspace roles" } })
    .input(setWorkspaceRolesInput)
    .output(setWorkspaceRolesOutput)
    .mutation(({ ctx, input }) => setWorkspaceRoles(ctx.db, actorOf(ctx), ctx.org.id, input.userId, input.workspaces)),

  leave: orgProcedure('organisation.leave')
    .meta({ openapi: { method: 'POST', path: '/organisations/{organisationId}/leave', tags: ['users'], summary: 'Leave the organisation yourself' } })
    .output(removeUserOutput)
    .mutation(({ ctx }) => {
      if (ctx.apiKey) throw new TRPCError({ code: 'FORBIDDEN', message: 'Leave an organisation from the console, not with an API key.' });
      return leaveOrganisation(ctx.db, actorOf(ctx), ctx.org.id);
    }),

  remove: orgProcedure('users.manageMembers')
    .meta({ openapi: { method: 'DELETE', path: '/organisations/{organisationId}/users/{userId}', tags: ['users'], summary: 'Remove a user from the organisation' } })
    .input(userTargetInput)
    .output(removeUserOutput)
    .mutation(({ ctx, input }) => removeUser(ctx.db, actorOf(ctx), ctx.org.id, input.userId)),
});

export const invitationsRouter = router({
  create: orgProcedure('users.manageMembers')
    .meta({ openapi: { method: 'POST', path: '/organisations/{organisationId}/invitations', tags: ['invitations'], summary: 'Invite someone by email' } })
    .input(inviteInput)
    .output(invitationCreatedOutput)
    .mutation(({ ctx, input }) => inviteUser(ctx, actorOf(ctx), ctx.org.id, input)),

  resend: orgProcedure('users.manageMembers')
    .meta({ openapi: { method: 'POST', path: '/organisations/{organisationId}/invitations/{invitationId}/resend', tags: ['invitations'], summary: 'Resend a pending invitation with a new link' } })
    .input(invitationTargetInput)
    .output(invitationResentOutput)
    .mutation(({ ctx, input }) => resendInvitation(ctx, actorOf(ctx), ctx.org.id, input.invitationId)),

  revoke: orgProcedure('users.manageMembers')
    .meta({ openapi: { method: 'DELETE', path: '/organisations/{organisationId}/invitations/{invitationId}', tags: ['invitations'], summary: 'Revoke a pending invitation' } })
    .input(invitationTargetInput)
    .output(invitationRevokedOutput)
    .mutation(({ ctx, input }) => revokeInvitation(ctx.db, actorOf(ctx), ctx.org.id, input.invitationId)),

  /** Not organisation-scoped: the invitee is not a member yet. The token is the authority. */
  preview: authedProcedure.input(acceptInvitationInput).query(({ ctx, input }) => previewInvitation(ctx.db, input.token)),
  accept: authedProcedure.input(acceptInvitationInput).mutation(({ ctx, input }) => acceptInvitation(ctx.db, actorOf(ctx), input.token, ctx.jobs)),
});
