import { useState } from 'react';
import { trpc } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import type { EmailCategory } from './consentLabels';

/** Creates an email category of the workspace, or edits one's name, description and default. */
export function CategoryDialog(props: { workspaceId: string; category: EmailCategory | null; onClose: () => void; onSaved: (category: EmailCategory) => void }) {
  const { category } = props;
  const [name, setName] = useState(category?.name ?? '');
  const [description, setDescription] = useState(category?.description ?? '');
  const [subscribedByDefault, setSubscribedByDefault] = useState(category?.subscribedByDefault ?? false);
  const create = trpc.emailCategories.create.useMutation({ onSuccess: props.onSaved });
  const update = trpc.emailCategories.update.useMutation({ onSuccess: props.onSaved });
  const save = category ? update : create;

  return (
    <Dialog title={category ? `Edit ${category.name}` : 'New email category'} onClose={props.onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          const values = { name: name.trim(), description: description.trim() || null, subscribedByDefault };
          if (category) update.mutate({ workspaceId: props.workspaceId, categoryId: category.id, ...values });
          else create.mutate({ workspaceId: props.workspaceId, ...values });
        }}
      >
        <Field label="Name" hint="Such as Newsletter, Event invitations or Action alerts.">
          {(control) => <input {...control} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Description (optional)">{(control) => <input {...control} maxLength={500} value={description} onChange={(e) => setDescription(e.target.value)} />}</Field>
        <label className="checkbox">
          <input type="checkbox" checked={subscribedByDefault} onChange={(e) => setSubscribedByDefault(e.target.checked)} />
          Contacts start subscribed
        </label>
        <p className="hint">
          Applies to every contact who has not chosen for this category themselves. A contact’s own choice, an unsubscribe from this workspace and a global
          unsubscribe always come first.
        </p>
        <DialogActions mutation={save} submitLabel={category ? 'Save category' : 'Add category'} pendingLabel="Saving…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
