import { orgProcedure } from '../../access/middleware.js';
import { actorOf, authedProcedure, router } from '../../trpc.js';
import { acceptInvitation, inviteUser, previewInvitation, resendInvitation, revokeInvitation } from './invitations.js';
import { changeOrgRole, listUsers, removeUser, setWorkspaceRoles } from './members.js';
import {
  acceptInvitationInput,
  changeOrgRoleInput,
  invitationTargetInput,
  inviteInput,
  listUsersInput,
  setWorkspaceRolesInput,
  userTargetInput,
} from './schemas.js';

export const usersRouter = router({
  list: orgProcedure('organisation.view')
    .input(listUsersInput)
    .query(({ ctx, input }) => listUsers(ctx.db, ctx.org.id, input)),

  changeOrgRole: orgProcedure('users.manageAnyRole')
    .input(changeOrgRoleInput)
    .mutation(({ ctx, input }) => changeOrgRole(ctx.db, actorOf(ctx), ctx.org.id, input.userId, input.orgRole)),

  setWorkspaceRoles: orgProcedure('users.assignWorkspaces')
    .input(setWorkspaceRolesInput)
    .mutation(({ ctx, input }) => setWorkspaceRoles(ctx.db, actorOf(ctx), ctx.org.id, input.userId, input.workspaces)),

  remove: orgProcedure('users.manageMembers')
    .input(userTargetInput)
    .mutation(({ ctx, input }) => removeUser(ctx.db, actorOf(ctx), ctx.org.id, input.userId)),
});

export const invitationsRouter = router({
  create: orgProcedure('users.manageMembers')
    .input(inviteInput)
    .mutation(({ ctx, input }) => inviteUser(ctx, actorOf(ctx), ctx.org.id, input)),

  resend: orgProcedure('users.manageMembers')
    .input(invitationTargetInput)
    .mutation(({ ctx, input }) => resendInvitation(ctx, actorOf(ctx), ctx.org.id, input.invitationId)),

  revoke: orgProcedure('users.manageMembers')
    .input(invitationTargetInput)
    .mutation(({ ctx, input }) => revokeInvitation(ctx.db, actorOf(ctx), ctx.org.id, input.invitationId)),

  /** Not organisation-scoped: the invitee is not a member yet. The token is the authority. */
  preview: authedProcedure.input(acceptInvitationInput).query(({ ctx, input }) => previewInvitation(ctx.db, input.token)),
  accept: authedProcedure.input(acceptInvitationInput).mutation(({ ctx, input }) => acceptInvitation(ctx.db, actorOf(ctx), input.token)),
});
