import { useState } from 'react';
import { trpc } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Says what deleting will touch, then asks for the slug to be typed before deleting. */
export function DeleteWorkspaceDialog(props: { workspaceId: string; onClose: () => void; onDeleted: () => void }) {
  const preview = trpc.workspaces.deletePreview.useQuery({ workspaceId: props.workspaceId }, { gcTime: 0 });
  const remove = trpc.workspaces.delete.useMutation({ onSuccess: props.onDeleted });
  const [typedSlug, setTypedSlug] = useState('');
  const workspace = preview.data;

  return (
    <Dialog title={workspace ? `Delete ${workspace.name}` : 'Delete workspace'} onClose={props.onClose}>
      {preview.isPending && <p className="loading">Checking what this workspace holds…</p>}
      <ErrorMessage error={preview.error} />
      {workspace && !workspace.deletable && <p>The global workspace cannot be deleted.</p>}
      {workspace?.deletable && (
        <form
          className="form"
          onSubmit={(event) => {
            event.preventDefault();
            remove.mutate({ workspaceId: props.workspaceId, confirmSlug: typedSlug });
          }}
        >
          <ul className="consequences">
            <li>{plural(workspace.contactsToMove, 'contact', 'contacts')} will move to the global workspace (values of this workspace’s own fields are dropped).</li>
            <li>{plural(workspace.membersLosingAccess, 'person loses their role', 'people lose their roles')} here.</li>
            <li>Its campaigns, email categories, tags and API keys are deleted.</li>
          </ul>
          <Field label={`Type ${workspace.slug} to confirm`}>
            {(control) => <input {...control} value={typedSlug} onChange={(e) => setTypedSlug(e.target.value)} autoComplete="off" />}
          </Field>
          <DialogActions
            mutation={remove}
            submitLabel="Delete workspace"
            pendingLabel="Deleting…"
            onCancel={props.onClose}
            disabled={typedSlug.trim() !== workspace.slug}
            danger
          />
        </form>
      )}
    </Dialog>
  );
}
