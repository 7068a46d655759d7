import { useState } from 'react';
import { trpc } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { ORG_ADMIN_WORKSPACE_ROLES, WORKSPACE_ROLE_LABELS, WORKSPACE_ROLES, type WorkspaceRole } from './roleLabels';
import type { Member, Workspace } from './types';

/** Edits every workspace role of one member at once (the server replaces them all). */
export function WorkspaceRolesDialog(props: { organisationId: string; member: Member; workspaces: Workspace[]; onClose: () => void; onSaved: () => void }) {
  const { member, workspaces } = props;
  const [roles, setRoles] = useState<Record<string, WorkspaceRole | ''>>(() =>
    Object.fromEntries(member.workspaceRoles.map((w) => [w.workspaceId, w.role])),
  );
  const save = trpc.users.setWorkspaceRoles.useMutation({ onSuccess: props.onSaved });

  return (
    <Dialog title={`Workspace roles of ${member.name}`} onClose={props.onClose} wide>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          const assigned = Object.entries(roles).flatMap(([workspaceId, role]) => (role ? [{ workspaceId, role }] : []));
          save.mutate({ organisationId: props.organisationId, userId: member.userId, workspaces: assigned });
        }}
      >
        <p className="hint">
          The role in the global workspace is {member.name}’s global role: it applies in every workspace. The effective role in a workspace is
          the higher of the two.
        </p>
        {member.orgRole === 'admin' && (
          <p className="banner">
            {member.name} is an organisation administrator: {ORG_ADMIN_WORKSPACE_ROLES}, whatever the roles below say.
          </p>
        )}
        {workspaces.map((workspace) => (
          <label key={workspace.id} className="inline-field">
            <span>{workspace.kind === 'global' ? `${workspace.name} (global role)` : workspace.name}</span>
            <select
              aria-label={`Role in ${workspace.name}`}
              value={roles[workspace.id] ?? ''}
              onChange={(e) => setRoles({ ...roles, [workspace.id]: e.target.value as WorkspaceRole | '' })}
            >
              <option value="">No access</option>
              {WORKSPACE_ROLES.map((role) => (
                <option key={role} value={role}>
                  {WORKSPACE_ROLE_LABELS[role]}
                </option>
              ))}
            </select>
          </label>
        ))}
        <DialogActions mutation={save} submitLabel="Save workspace roles" pendingLabel="Saving…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
