import { useState } from 'react';
import { trpc, type RouterOutputs } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import type { FieldDefinition } from '../fields/fieldLabels';
import { CustomFieldInputs } from './CustomFieldInputs';
import { type Drafts, draftsOf, valuesOf } from './fieldValues';
import { AssigneeSelect } from './AssigneeSelect';
import type { WorkspaceEntry } from './WorkspacePicker';

export type Contact = RouterOutputs['contacts']['search']['items'][number];

const orNull = (text: string) => (text.trim() === '' ? null : text.trim());

/**
 * Adds a contact to the workspace, or edits one. When the email belongs to a person the
 * organisation already knows (elsewhere), the server refuses to create them twice: the dialog
 * then offers to link that person to this workspace, showing nothing of the other workspaces.
 */
export function ContactFormDialog(props: { workspace: WorkspaceEntry; fields: FieldDefinition[]; contact: Contact | null; userId: string; onClose: () => void; onSaved: () => void }) {
  const { workspace, fields, contact } = props;
  const utils = trpc.useUtils();
  const [firstName, setFirstName] = useState(contact?.firstName ?? '');
  const [lastName, setLastName] = useState(contact?.lastName ?? '');
  const [email, setEmail] = useState(contact?.email ?? '');
  const [phone, setPhone] = useState(contact?.phone ?? '');
  const [country, setCountry] = useState(contact?.country ?? '');
  const [language, setLanguage] = useState(contact?.language ?? '');
  const [assigneeUserId, setAssigneeUserId] = useState<string | null>(contact?.assigneeUserId ?? null);
  const [drafts, setDrafts] = useState<Drafts>(() => draftsOf(fields, contact?.values ?? {}));
  /** The email of a person known elsewhere in the organisation, once the server said so. */
  const [knownEmail, setKnownEmail] = useState<string | null>(null);

  const create = trpc.contacts.create.useMutation({
    onSuccess: props.onSaved,
    onError: async (error) => {
      const typed = orNull(email);
      if (error.data?.code !== 'CONFLICT' || !typed) return;
      // The same refusal covers "already in this workspace": only a person not here can be linked.
      const here = await utils.contacts.search.fetch({ workspaceId: workspace.id, filters: [{ field: 'email', op: 'eq', value: typed.toLowerCase() }], limit: 1 });
      if (here.items.length === 0) setKnownEmail(typed);
    },
  });
  const update = trpc.contacts.update.useMutation({ onSuccess: props.onSaved });
  const link = trpc.contacts.link.useMutation({ onSuccess: props.onSaved });
  const save = contact ? update : create;

  const builtIns = { firstName: firstName.trim(), lastName: lastName.trim(), email: orNull(email), phone: orNull(phone), country: orNull(country)?.toUpperCase() ?? null, language: orNull(language), assigneeUserId };

  return (
    <Dialog title={contact ? 'Edit contact' : 'New contact'} onClose={props.onClose} wide>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          setKnownEmail(null);
          link.reset();
          if (contact) update.mutate({ workspaceId: workspace.id, contactId: contact.id, ...builtIns, values: valuesOf(fields, drafts, { omitEmpty: false }) });
          else create.mutate({ workspaceId: workspace.id, ...builtIns, values: valuesOf(fields, drafts, { omitEmpty: true }) });
        }}
      >
        <div className="form-columns">
          <Field label="First name">{(control) => <input {...control} maxLength={200} value={firstName} onChange={(e) => setFirstName(e.target.value)} />}</Field>
          <Field label="Last name">{(control) => <input {...control} maxLength={200} value={lastName} onChange={(e) => setLastName(e.target.value)} />}</Field>
          <Field label="Email">
            {(control) => (
              <input
                {...control}
                type="email"
                maxLength={254}
                value={email}
                onChange={(e) => {
                  setEmail(e.target.value);
                  setKnownEmail(null);
                }}
              />
            )}
          </Field>
          <Field label="Phone">{(control) => <input {...control} type="tel" maxLength={40} value={phone} onChange={(e) => setPhone(e.target.value)} />}</Field>
          <Field label="Country" hint="Two letters (ISO 3166-1), such as FR or US.">
            {(control) => <input {...control} maxLength={2} pattern="[A-Za-z]{2}" value={country} onChange={(e) => setCountry(e.target.value)} />}
          </Field>
          <Field label="Language" hint="A language code such as en or fr-CA.">
            {(control) => <input {...control} maxLength={10} value={language} onChange={(e) => setLanguage(e.target.value)} />}
          </Field>
          <AssigneeSelect label="Assignee" userId={props.userId} current={contact?.assigneeUserId ?? null} value={assigneeUserId} onChange={setAssigneeUserId} />
        </div>
        <CustomFieldInputs fields={fields} drafts={drafts} held={contact?.values ?? {}} onChange={(key, draft) => setDrafts((d) => ({ ...d, [key]: draft }))} />
        {knownEmail && (
          <div className="banner known-person" role="region" aria-label="Already known">
            <p>
              This person is already known in your organisation. Link them to {workspace.name}: they keep the name and details the organisation has, and get
              the values filled in here.
            </p>
            <ErrorMessage error={link.error} />
            <button
              type="button"
              className="button primary"
              disabled={link.isPending}
              onClick={() => link.mutate({ workspaceId: workspace.id, email: knownEmail, assigneeUserId, values: valuesOf(fields, drafts, { omitEmpty: true }) })}
            >
              {link.isPending ? 'Linking…' : 'Link them'}
            </button>
          </div>
        )}
        <DialogActions mutation={save} submitLabel={contact ? 'Save contact' : 'Add contact'} pendingLabel="Saving…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
