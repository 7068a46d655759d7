import { useState } from 'react';
import { trpc } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { suggestSlug } from './suggestSlug';

export function CreateWorkspaceDialog(props: { organisationId: string; onClose: () => void; onCreated: () => void }) {
  const [name, setName] = useState('');
  // The slug follows the name until someone edits it.
  const [slug, setSlug] = useState<string | null>(null);
  const [defaultLanguage, setDefaultLanguage] = useState('en');
  const create = trpc.workspaces.create.useMutation({ onSuccess: props.onCreated });
  const shownSlug = slug ?? suggestSlug(name);

  return (
    <Dialog title="New workspace" onClose={props.onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ organisationId: props.organisationId, name, slug: shownSlug, defaultLanguage });
        }}
      >
        <Field label="Name">{(control) => <input {...control} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
        <Field label="Slug" hint="Lowercase letters, digits and hyphens; used in addresses.">
          {(control) => <input {...control} required maxLength={63} value={shownSlug} onChange={(e) => setSlug(e.target.value)} />}
        </Field>
        <Field label="Default language" hint="A language code such as en, fr or fr-CA.">
          {(control) => <input {...control} required value={defaultLanguage} onChange={(e) => setDefaultLanguage(e.target.value)} />}
        </Field>
        <DialogActions mutation={create} submitLabel="Create workspace" pendingLabel="Creating…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
