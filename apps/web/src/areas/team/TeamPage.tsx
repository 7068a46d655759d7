import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { trpc } from '../../trpc';
import { Avatar } from '../../ui/Avatar';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { formatDateTime } from '../../ui/formatDate';
import { Pager } from '../../ui/Pager';
import { ActionsColumnHeader } from '../../ui/Table';
import { NoWorkspace, useChosenWorkspace, type WorkspaceEntry, WorkspacePicker } from '../records/WorkspacePicker';
import { ORG_ROLE_LABELS, type WorkspaceRole } from '../users/roleLabels';
import { REACH_LABELS, type Team, TEAM_ROLE_LABELS, TEAM_ROLES, type TeamMember } from './teamLabels';
import { TeamInviteDialog } from './TeamInviteDialog';

/**
 * /orgs/:id/team/:slug — a workspace's own team, for its admins (seed 002 "Team & Members"):
 * its members and their role here, those whose global role reaches in, and pending invitations.
 * Organisation roles and other workspaces are managed under Users, not here.
 */
export function TeamPage({ organisation }: { organisation: Organisation }) {
  const { workspace, slug } = useChosenWorkspace(organisation, 'team');
  if (!workspace || workspace.role !== 'admin') {
    return (
      <>
        <div className="page-header">
          <h1>Team</h1>
          {workspace && (
            <div className="toolbar">
              <WorkspacePicker organisation={organisation} area="team" workspace={workspace} />
            </div>
          )}
        </div>
        {workspace ? <p className="banner">Only admins of {workspace.name} manage its team.</p> : <NoWorkspace organisation={organisation} slug={slug} />}
      </>
    );
  }
  return <WorkspaceTeam key={workspace.id} organisation={organisation} workspace={workspace} />;
}

function WorkspaceTeam({ organisation, workspace }: { organisation: Organisation; workspace: WorkspaceEntry }) {
  const utils = trpc.useUtils();
  const [page, setPage] = useState(1);
  const list = trpc.team.list.useQuery({ workspaceId: workspace.id, page });
  const [inviting, setInviting] = useState(false);
  const [removing, setRemoving] = useState<TeamMember | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => utils.team.list.invalidate({ workspaceId: workspace.id });
  const setRole = trpc.team.setRole.useMutation({ onSuccess: (r) => setNotice(`Changed the role to ${TEAM_ROLE_LABELS[r.role]}.`), onSettled: refresh });
  const remove = trpc.team.remove.useMutation();
  const [revoking, setRevoking] = useState<Team['invitations'][number] | null>(null);
  const revoke = trpc.team.revokeInvitation.useMutation();
  const team = list.data;

  return (
    <>
      <div className="page-header">
        <h1>Team</h1>
        <div className="toolbar">
          <WorkspacePicker organisation={organisation} area="team" workspace={workspace} />
          <button type="button" className="button primary" onClick={() => setInviting(true)}>
            Add or invite
          </button>
        </div>
      </div>
      <p className="hint">
        Who works in {workspace.name}. Someone’s effective role here is the higher of their role here and their global role; organisation administrators are
        admins everywhere.
      </p>
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <ErrorMessage error={list.error ?? setRole.error} />
      {list.isPending && <p className="loading">Loading…</p>}
      {team && (
        <>
          <section aria-labelledby="team-members-heading">
            <h2 id="team-members-heading">Members of this workspace</h2>
            {team.members.length === 0 ? (
              <p className="muted">Nobody has a role in this workspace itself yet.</p>
            ) : (
              <table className="table" aria-label="Members of this workspace">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Role here</th>
                    <th scope="col">Global role</th>
                    <th scope="col">Effective role</th>
                    <ActionsColumnHeader />
                  </tr>
                </thead>
                <tbody>
                  {team.members.map((member) => (
                    <tr key={member.userId}>
                      <th scope="row">
                        <span className="person">
                          <Avatar name={member.name} url={member.avatarUrl} />
                          <span>
                            {member.name}
                            <small className="hint">{member.email}</small>
                          </span>
                        </span>
                      </th>
                      <td>
                        <select
                          aria-label={`Role of ${member.email} in this workspace`}
                          value={member.workspaceRole}
                          disabled={setRole.isPending}
                          onChange={(e) => {
                            setNotice(null);
                            setRole.mutate({ workspaceId: workspace.id, userId: member.userId, role: e.target.value as WorkspaceRole });
                          }}
                        >
                          {TEAM_ROLES.map((role) => (
                            <option key={role} value={role}>
                              {TEAM_ROLE_LABELS[role]}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td>{member.globalRole ? TEAM_ROLE_LABELS[member.globalRole] : <span className="muted">None</span>}</td>
                      <td>
                        {TEAM_ROLE_LABELS[member.effectiveRole]}
                        {member.effectiveRole !== member.workspaceRole && (
                          <small className="hint">{member.orgRole === 'admin' ? 'as organisation administrator' : 'through their global role'}</small>
                        )}
                      </td>
                      <td className="actions">
                        <button type="button" className="button small danger" aria-label={`Remove ${member.email} from this workspace`} onClick={() => setRemoving(member)}>
                          Remove
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <Pager label="Members pages" page={page} result={team} onPageChange={setPage} />
          </section>

          <section aria-labelledby="team-reaching-heading">
            <h2 id="team-reaching-heading">Through their global role</h2>
            <p className="hint">These people have no role in this workspace itself; the organisation’s administrators manage their global roles under Users.</p>
            {team.reachingIn.length === 0 ? (
              <p className="muted">Nobody.</p>
            ) : (
              <table className="table" aria-label="Through their global role">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Because of</th>
                    <th scope="col">Effective role</th>
                  </tr>
                </thead>
                <tbody>
                  {team.reachingIn.map((person) => (
                    <tr key={person.userId}>
                      <th scope="row">
                        {person.name}
                        <small className="hint">{person.email}</small>
                      </th>
                      <td>
                        {REACH_LABELS[person.reason]}
                        {person.reason === 'global_role' && person.globalRole ? ` (${TEAM_ROLE_LABELS[person.globalRole]})` : ` (${ORG_ROLE_LABELS[person.orgRole]})`}
                      </td>
                      <td>{TEAM_ROLE_LABELS[person.effectiveRole]}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section aria-labelledby="team-invitations-heading">
            <h2 id="team-invitations-heading">Pending invitations</h2>
            {team.invitations.length === 0 ? (
              <p className="muted">None.</p>
            ) : (
              <table className="table" aria-label="Pending invitations">
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Role here</th>
                    <th scope="col">Expires</th>
                    <ActionsColumnHeader />
                  </tr>
                </thead>
                <tbody>
                  {team.invitations.map((invitation) => (
                    <tr key={invitation.invitationId}>
                      <th scope="row">{invitation.email}</th>
                      <td>{TEAM_ROLE_LABELS[invitation.role]}</td>
                      <td>{invitation.expired ? <span className="status pending">Expired</span> : formatDateTime(invitation.expiresAt)}</td>
                      <td className="actions">
                        {invitation.revocable ? (
                          <button type="button" className="button small danger" aria-label={`Revoke the invitation of ${invitation.email}`} onClick={() => setRevoking(invitation)}>
                            Revoke
                          </button>
                        ) : (
                          <small className="muted">Also gives other roles: managed under Users</small>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
      {inviting && (
        <TeamInviteDialog
          workspaceId={workspace.id}
          workspaceName={workspace.name}
          onClose={() => setInviting(false)}
          onDone={(result) => {
            setInviting(false);
            setNotice(result.outcome === 'added' ? `Added ${result.email} as ${TEAM_ROLE_LABELS[result.role]}.` : `Invited ${result.email} as ${TEAM_ROLE_LABELS[result.role]}.`);
            void refresh();
          }}
        />
      )}
      {revoking && (
        <ConfirmDialog
          title={`Revoke the invitation of ${revoking.email}?`}
          confirmLabel="Revoke invitation"
          mutation={revoke}
          onCancel={() => setRevoking(null)}
          onConfirm={() =>
            revoke.mutate(
              { workspaceId: workspace.id, invitationId: revoking.invitationId },
              {
                onSuccess: () => {
                  setNotice(`Revoked the invitation of ${revoking.email}.`);
                  setRevoking(null);
                  void refresh();
                },
              },
            )
          }
        >
          <p>The link in the email stops working. You can invite {revoking.email} again later.</p>
        </ConfirmDialog>
      )}
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name} from ${workspace.name}?`}
          confirmLabel="Remove from workspace"
          mutation={remove}
          onCancel={() => setRemoving(null)}
          onConfirm={() =>
            remove.mutate(
              { workspaceId: workspace.id, userId: removing.userId },
              {
                onSuccess: (result) => {
                  setNotice(`Removed ${removing.email} from ${workspace.name}${result.unassignedContacts > 0 ? `; ${result.unassignedContacts} contacts they were assigned here are now unassigned` : ''}.`);
                  setRemoving(null);
                  void refresh();
                },
              },
            )
          }
        >
          <p>
            {removing.email} stays in the organisation and in their other workspaces. Contacts assigned to them in this workspace become unassigned.
            {removing.globalRole && ' Their global role still gives them access here.'}
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
