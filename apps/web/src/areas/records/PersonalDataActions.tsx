import { useState } from 'react';
import { trpc, type RouterOutputs } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import type { WorkspaceEntry } from './WorkspacePicker';

type Contact = RouterOutputs['contacts']['get'];

/**
 * A person's rights on their record, for the workspace's admins (the server decides again):
 * "Export data" downloads everything Steward holds about them as JSON (GDPR Art. 15); "Erase
 * person" removes them from every workspace and table, and keeps their address from coming back
 * (Art. 17), once the admin has typed the address (or the name) and said which request it answers.
 */
export function PersonalDataActions(props: { workspace: WorkspaceEntry; contact: Contact; onErased: () => void }) {
  const { workspace, contact } = props;
  const utils = trpc.useUtils();
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<{ message: string } | null>(null);
  const [erasing, setErasing] = useState(false);
  if (workspace.role !== 'admin') return null;

  const download = async () => {
    setExporting(true);
    setExportError(null);
    try {
      const data = await utils.dataRights.export.fetch({ workspaceId: workspace.id, contactId: contact.id }, { staleTime: 0 });
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `personal-data-${contact.id}.json`;
      link.click();
      URL.revokeObjectURL(url);
    } catch (error) {
      setExportError(error as { message: string });
    } finally {
      setExporting(false);
    }
  };

  return (
    <section className="personal-data" aria-label="Personal data">
      <h3>Personal data</h3>
      <p className="hint">For a person’s requests under the GDPR: a copy of everything Steward holds about them, or its erasure.</p>
      <ErrorMessage error={exportError} />
      <div className="toolbar">
        <button type="button" className="button" disabled={exporting} onClick={() => void download()}>
          {exporting ? 'Exporting…' : 'Export data'}
        </button>
        <button type="button" className="button danger" onClick={() => setErasing(true)}>
          Erase person…
        </button>
      </div>
      {erasing && <EraseDialog workspace={workspace} contact={contact} onClose={() => setErasing(false)} onErased={props.onErased} />}
    </section>
  );
}

function EraseDialog(props: { workspace: WorkspaceEntry; contact: Contact; onClose: () => void; onErased: () => void }) {
  const { workspace, contact } = props;
  const utils = trpc.useUtils();
  // What the admin types to confirm: the address, or the name of someone without one.
  const expected = contact.email ?? `${contact.firstName} ${contact.lastName}`.trim();
  const [typed, setTyped] = useState('');
  const [request, setRequest] = useState('');
  const erase = trpc.dataRights.erase.useMutation({
    onSuccess: () => {
      void utils.contacts.invalidate();
      props.onErased();
    },
  });
  const confirmed = typed.trim().toLowerCase() === expected.toLowerCase();
  return (
    <Dialog title="Erase this person" onClose={props.onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          if (confirmed) erase.mutate({ workspaceId: workspace.id, contactId: contact.id, request });
        }}
      >
        <p>
          Everything about them goes, in every workspace of the organisation: the record and its values, their consent and its history, the campaigns
          they received (counted, without them), rows of imports that named them, and the details of audit entries about them. This cannot be undone.
        </p>
        {contact.email && <p>Their address stays on the suppression list, as a keyed hash: it cannot be added, imported or mailed again.</p>}
        <Field label="Which request this answers" hint="For the audit log, e.g. “Email of 12 May, ticket 4521”. Do not name the person.">
          {(control) => <input {...control} required minLength={3} maxLength={300} value={request} onChange={(e) => setRequest(e.target.value)} />}
        </Field>
        <Field label={`Type ${contact.email ? 'their email address' : 'their name'} to confirm`} hint={expected}>
          {(control) => <input {...control} autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value)} />}
        </Field>
        <DialogActions mutation={erase} submitLabel="Erase person" pendingLabel="Erasing…" onCancel={props.onClose} disabled={!confirmed || request.trim().length < 3} danger />
      </form>
    </Dialog>
  );
}
