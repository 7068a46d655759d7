import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { can } from '../../permissions';
import { trpc } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { formatDateTime } from '../../ui/formatDate';
import { ActionsColumnHeader } from '../../ui/Table';
import { ORG_ROLE_LABELS } from './roleLabels';
import type { Invitation, Workspace } from './types';
import { WorkspaceRoleList } from './WorkspaceRoleList';

const EMAIL_STATUS_LABELS: Record<Invitation['emailStatus'], string> = {
  queued: 'Sending…',
  sent: 'Sent',
  retrying: 'Retrying',
  failed: 'Failed',
  none: 'Not sent',
};

/** Invitations nobody has accepted yet: their status, their email's fate, resend and revoke. */
export function PendingInvitations(props: { organisation: Organisation; invitations: Invitation[]; workspaces: Workspace[]; onChanged: () => void }) {
  const { organisation, invitations } = props;
  const organisationId = organisation.id;
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const resend = trpc.invitations.resend.useMutation({ onSuccess: props.onChanged });
  const revoke = trpc.invitations.revoke.useMutation({
    onSuccess: () => {
      setRevoking(null);
      props.onChanged();
    },
  });
  const workspaceNames = new Map(props.workspaces.map((w) => [w.id, w.name]));
  const mayManage = (invitation: Invitation) =>
    can(organisation, 'users.manageMembers') && (invitation.orgRole === 'member' || can(organisation, 'users.manageAnyRole'));

  return (
    <section aria-labelledby="pending-heading">
      <h2 id="pending-heading">Pending invitations</h2>
      <ErrorMessage error={resend.error} />
      {invitations.length === 0 ? (
        <p className="muted">No pending invitations.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Organisation role</th>
              <th scope="col">Workspace roles</th>
              <th scope="col">Status</th>
              <th scope="col">Invitation email</th>
              <th scope="col">Invited</th>
              <ActionsColumnHeader />
            </tr>
          </thead>
          <tbody>
            {invitations.map((invitation) => (
              <tr key={invitation.invitationId}>
                <td>{invitation.email}</td>
                <td>{ORG_ROLE_LABELS[invitation.orgRole]}</td>
                <td>
                  <WorkspaceRoleList
                    orgRole={invitation.orgRole}
                    roles={invitation.workspaceRoles}
                    workspaceName={(w) => workspaceNames.get(w.workspaceId) ?? 'A deleted workspace'}
                  />
                </td>
                <td>
                  <span className="status pending">{invitation.status}</span>
                  {invitation.expired && <small className="muted"> (expired {formatDateTime(invitation.expiresAt)})</small>}
                </td>
                <td>
                  <span className={`status email-${invitation.emailStatus}`}>{EMAIL_STATUS_LABELS[invitation.emailStatus]}</span>
                  {invitation.emailError && <small className="email-error">{invitation.emailError}</small>}
                </td>
                <td>{formatDateTime(invitation.invitedAt)}</td>
                <td className="actions">
                  {mayManage(invitation) && (
                    <>
                      <button
                        type="button"
                        className="button small"
                        disabled={resend.isPending && resend.variables?.invitationId === invitation.invitationId}
                        onClick={() => resend.mutate({ organisationId, invitationId: invitation.invitationId })}
                      >
                        Resend
                      </button>
                      <button type="button" className="button small danger" onClick={() => setRevoking(invitation)}>
                        Revoke
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {revoking && (
        <ConfirmDialog
          title="Revoke invitation"
          confirmLabel="Revoke invitation"
          mutation={revoke}
          onCancel={() => setRevoking(null)}
          onConfirm={() => revoke.mutate({ organisationId, invitationId: revoking.invitationId })}
        >
          <p>The link sent to {revoking.email} will stop working. You can invite the address again later.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
