import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { can } from '../../permissions';
import { trpc, type RouterInputs } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { ChoiceField, Field } from '../../ui/Field';
import { ORG_ROLE_LABELS, ORG_ROLES, type OrgRole, WORKSPACE_ROLE_LABELS, WORKSPACE_ROLES } from './roleLabels';
import type { Workspace } from './types';

type Assignment = NonNullable<RouterInputs['invitations']['create']['workspaces']>[number];

/**
 * `maxWorkspaces` is the server's limit (from `me`): the console stops there so nobody fills in a row
 * too many, and the server refuses more anyway.
 */
export function InviteDialog(props: { organisation: Organisation; workspaces: Workspace[]; maxWorkspaces: number; onClose: () => void; onInvited: () => void }) {
  const { organisation, workspaces, maxWorkspaces } = props;
  // User admins invite members only; other roles need 'users.manageAnyRole'.
  const allowedRoles: OrgRole[] = can(organisation, 'users.manageAnyRole') ? ORG_ROLES : ['member'];
  const [email, setEmail] = useState('');
  const [orgRole, setOrgRole] = useState<OrgRole>('member');
  const [assignments, setAssignments] = useState<Assignment[]>([]);
  const invite = trpc.invitations.create.useMutation({ onSuccess: props.onInvited });

  const unassigned = workspaces.filter((w) => !assignments.some((a) => a.workspaceId === w.id));
  const atLimit = assignments.length >= maxWorkspaces;

  function updateAssignment(index: number, change: Partial<Assignment>) {
    setAssignments(assignments.map((a, i) => (i === index ? { ...a, ...change } : a)));
  }

  return (
    <Dialog title="Invite people" onClose={props.onClose} wide>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          invite.mutate({ organisationId: organisation.id, email, orgRole, workspaces: assignments });
        }}
      >
        <Field label="Email address">
          {(control) => <input {...control} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" />}
        </Field>
        <ChoiceField
          label="Organisation role"
          hint={allowedRoles.length === 1 ? 'Your role lets you invite members only.' : undefined}
          value={orgRole}
          choices={allowedRoles}
          labels={ORG_ROLE_LABELS}
          onChange={setOrgRole}
        />
        <fieldset>
          <legend>Workspaces</legend>
          <p className="hint">The role in the global workspace is the person’s global role: it applies in every workspace.</p>
          {assignments.map((assignment, index) => (
            <div className="assignment" key={index}>
              <Field label={`Workspace ${index + 1}`}>
                {(control) => (
                  <select {...control} value={assignment.workspaceId} onChange={(e) => updateAssignment(index, { workspaceId: e.target.value })}>
                    {workspaces
                      .filter((w) => w.id === assignment.workspaceId || unassigned.includes(w))
                      .map((w) => (
                        <option key={w.id} value={w.id}>
                          {w.kind === 'global' ? `${w.name} (global role)` : w.name}
                        </option>
                      ))}
                  </select>
                )}
              </Field>
              <ChoiceField
                label={`Role in workspace ${index + 1}`}
                value={assignment.role}
                choices={WORKSPACE_ROLES}
                labels={WORKSPACE_ROLE_LABELS}
                onChange={(role) => updateAssignment(index, { role })}
              />
              <button type="button" className="button small" onClick={() => setAssignments(assignments.filter((_, i) => i !== index))}>
                Remove workspace {index + 1}
              </button>
            </div>
          ))}
          <button
            type="button"
            className="button small"
            disabled={atLimit || unassigned.length === 0}
            onClick={() => setAssignments([...assignments, { workspaceId: unassigned[0]!.id, role: 'member' }])}
          >
            Add workspace
          </button>
          {atLimit && <p className="hint">An invitation can assign at most {maxWorkspaces} workspaces. Assign more after the person has joined.</p>}
          {!atLimit && unassigned.length === 0 && workspaces.length > 0 && <p className="hint">Every workspace is assigned.</p>}
        </fieldset>
        <DialogActions mutation={invite} submitLabel="Send invitation" pendingLabel="Sending…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
