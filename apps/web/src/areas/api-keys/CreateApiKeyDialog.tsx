import { useState } from 'react';
import { trpc } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { ChoiceField, Field } from '../../ui/Field';
import { NewApiKeyDialog } from './NewApiKeyDialog';
import { API_KEY_SCOPE_LABELS, API_KEY_SCOPES, type ApiKeyScope } from './scopeLabels';

/** `YYYY-MM-DD` of a local date, as a date input wants it. */
function dateInputValue(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/**
 * Names a new key, creates it, then shows the full key once. The key lives only in this dialog's
 * mutation result: closing the dialog unmounts it, and `gcTime: 0` drops it from the mutation cache.
 */
export function CreateApiKeyDialog(props: {
  organisationId: string;
  /** The workspaces the key may be restricted to; one alone when the dialog opens from that workspace's settings. */
  workspaces: { id: string; name: string }[];
  /** Restricted to this workspace from the start (no choice of "every workspace"). */
  fixedWorkspace?: boolean;
  onCreated: () => void;
  onClose: () => void;
}) {
  const [name, setName] = useState('');
  const [workspaceId, setWorkspaceId] = useState(props.fixedWorkspace ? (props.workspaces[0]?.id ?? '') : '');
  const [scope, setScope] = useState<ApiKeyScope>('admin');
  const [expiresOn, setExpiresOn] = useState('');
  const create = trpc.apiKeys.create.useMutation({ gcTime: 0, onSuccess: props.onCreated });

  if (create.data) return <NewApiKeyDialog apiKey={create.data.key} name={create.data.name} onClose={props.onClose} />;

  const tomorrow = new Date();
  tomorrow.setDate(tomorrow.getDate() + 1);

  return (
    <Dialog title="New API key" onClose={props.onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          // A key dated the 3rd works through the 3rd: it expires at the start of the next local day.
          const expiresAt = expiresOn ? new Date(`${expiresOn}T00:00:00`) : undefined;
          expiresAt?.setDate(expiresAt.getDate() + 1);
          create.mutate({ organisationId: props.organisationId, name, scope, expiresAt: expiresAt?.toISOString(), ...(workspaceId ? { workspaceId } : {}) });
        }}
      >
        <Field label="Name" hint="Name it after what uses it, e.g. “Website sign-up form”.">
          {(control) => <input {...control} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
        </Field>
        <ChoiceField label="Scope" value={scope} choices={API_KEY_SCOPES} labels={API_KEY_SCOPE_LABELS} onChange={setScope} />
        <Field label="Workspace" hint="A key restricted to one workspace reaches nothing else, whatever you hold; that workspace’s admins see it and may revoke it.">
          {(control) => (
            <select {...control} value={workspaceId} onChange={(e) => setWorkspaceId(e.target.value)}>
              {!props.fixedWorkspace && <option value="">Every workspace you can reach</option>}
              {props.workspaces.map((w) => (
                <option key={w.id} value={w.id}>
                  Only {w.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Expires on (optional)" hint="The key stops working after this day. Leave empty for a key that does not expire.">
          {(control) => <input {...control} type="date" min={dateInputValue(tomorrow)} value={expiresOn} onChange={(e) => setExpiresOn(e.target.value)} />}
        </Field>
        <DialogActions mutation={create} submitLabel="Create key" pendingLabel="Creating…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
