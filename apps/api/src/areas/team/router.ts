import { workspaceProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import { inviteToWorkspace, listTeam, removeFromWorkspace, revokeTeamInvitation, setTeamRole } from './team.js';
import { teamInvitationRevokedOutput, teamInvitationTargetInput, teamInviteInput, teamInviteOutput, teamListInput, teamListOutput, teamRemoveOutput, teamSetRoleInput, teamSetRoleOutput, teamTargetInput } from './schemas.js';

const placeOf = (ctx: { org: { id: string }; workspace: { id: string } }) => ({ organisationId: ctx.org.id, workspaceId: ctx.workspace.id });

const TAGS = ['team'];

/** A workspace's team, managed by the workspace's admins (SPEC §2 "workspace settings: members"). */
export const teamRouter = router({
  list: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'GET', path: '/workspaces/{workspaceId}/team', tags: TAGS, summary: "The workspace's members, those whose global role reaches in, and pending invitations" } })
    .input(teamListInput)
    .output(teamListOutput)
    .query(({ ctx, input }) => listTeam(ctx.db, placeOf(ctx), input)),

  invite: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'POST', path: '/workspaces/{workspaceId}/team', tags: TAGS, summary: 'Give an organisation member a role here, or invite an address into this workspace' } })
    .input(teamInviteInput)
    .output(teamInviteOutput)
    .mutation(({ ctx, input }) => inviteToWorkspace(ctx, actorOf(ctx), placeOf(ctx), { email: input.email, role: input.role })),

  setRole: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'PATCH', path: '/workspaces/{workspaceId}/team/{userId}', tags: TAGS, summary: "Change someone's role in this workspace" } })
    .input(teamSetRoleInput)
    .output(teamSetRoleOutput)
    .mutation(({ ctx, input }) => setTeamRole(ctx.db, actorOf(ctx), placeOf(ctx), input.userId, input.role)),

  remove: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'DELETE', path: '/workspaces/{workspaceId}/team/{userId}', tags: TAGS, summary: 'Remove someone from this workspace (their organisation membership stays)' } })
    .input(teamTargetInput)
    .output(teamRemoveOutput)
    .mutation(({ ctx, input }) => removeFromWorkspace(ctx.db, actorOf(ctx), placeOf(ctx), input.userId)),

  revokeInvitation: workspaceProcedure('workspace.settings')
    .meta({ openapi: { method: 'DELETE', path: '/workspaces/{workspaceId}/team/invitations/{invitationId}', tags: TAGS, summary: 'Revoke a pending invitation into this workspace' } })
    .input(teamInvitationTargetInput)
    .output(teamInvitationRevokedOutput)
    .mutation(({ ctx, input }) => revokeTeamInvitation(ctx.db, actorOf(ctx), placeOf(ctx), input.invitationId)),
});
