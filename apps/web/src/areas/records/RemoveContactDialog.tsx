import { useState } from 'react';
import { trpc } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import type { Contact } from './ContactFormDialog';
import type { WorkspaceEntry } from './WorkspacePicker';

export const contactName = (c: Pick<Contact, 'firstName' | 'lastName' | 'email'>) => `${c.firstName} ${c.lastName}`.trim() || c.email || 'Unnamed contact';

/**
 * Removing a contact asks first, and asks which: from this workspace only (the person stays known
 * to the organisation and its other workspaces), or the person everywhere.
 */
export function RemoveContactDialog(props: { workspace: WorkspaceEntry; contact: Contact; onClose: () => void; onRemoved: () => void }) {
  const { workspace, contact } = props;
  const [everywhere, setEverywhere] = useState(false);
  const unlink = trpc.contacts.unlink.useMutation({ onSuccess: props.onRemoved });
  const remove = trpc.contacts.delete.useMutation({ onSuccess: props.onRemoved });
  const mutation = everywhere ? remove : unlink;
  const name = contactName(contact);
  return (
    <Dialog title={`Remove ${name}`} onClose={props.onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          mutation.mutate({ workspaceId: workspace.id, contactId: contact.id });
        }}
      >
        <fieldset className="plain choices">
          <legend className="visually-hidden">What to remove</legend>
          <label className="checkbox">
            <input type="radio" name="removal" checked={!everywhere} onChange={() => setEverywhere(false)} />
            <span>
              From {workspace.name} only: this workspace’s values and assignee go; the person stays known to the organisation.
            </span>
          </label>
          <label className="checkbox">
            <input type="radio" name="removal" checked={everywhere} onChange={() => setEverywhere(true)} />
            <span>Delete the person everywhere, in every workspace of the organisation. This cannot be undone.</span>
          </label>
        </fieldset>
        <DialogActions mutation={mutation} submitLabel={everywhere ? 'Delete everywhere' : 'Remove from workspace'} pendingLabel="Removing…" onCancel={props.onClose} danger />
      </form>
    </Dialog>
  );
}
