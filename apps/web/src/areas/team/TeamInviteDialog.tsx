import { useState } from 'react';
import { trpc, type RouterOutputs } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { ChoiceField, Field } from '../../ui/Field';
import type { WorkspaceRole } from '../users/roleLabels';
import { TEAM_ROLE_LABELS, TEAM_ROLES } from './teamLabels';

/**
 * Brings someone into this workspace: a member of the organisation gets the role at once; any
 * other address is emailed an invitation to join the organisation as a member with this role.
 */
export function TeamInviteDialog(props: { workspaceId: string; workspaceName: string; onClose: () => void; onDone: (result: RouterOutputs['team']['invite']) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<WorkspaceRole>('member');
  const invite = trpc.team.invite.useMutation({ onSuccess: props.onDone });
  return (
    <Dialog title={`Add someone to ${props.workspaceName}`} onClose={props.onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          invite.mutate({ workspaceId: props.workspaceId, email: email.trim(), role });
        }}
      >
        <Field label="Email" hint="Someone already in the organisation is added at once; anyone else gets an invitation by email, valid for 7 days.">
          {(control) => <input {...control} type="email" required maxLength={254} value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <ChoiceField label="Role in this workspace" value={role} choices={TEAM_ROLES} labels={TEAM_ROLE_LABELS} onChange={setRole} />
        <DialogActions mutation={invite} submitLabel="Add or invite" pendingLabel="Sending…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
