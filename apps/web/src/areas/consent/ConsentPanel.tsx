import { trpc } from '../../trpc';
import './consent.css';
import { Dialog } from '../../ui/Dialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { formatDateTime } from '../../ui/formatDate';
import { PersonalDataActions } from '../records/PersonalDataActions';
import { mayEditRecord } from '../records/recordAccess';
import { contactName } from '../records/RemoveContactDialog';
import type { WorkspaceEntry } from '../records/WorkspacePicker';
import { type CategoryConsent, describeChange, REASON_LABELS, SOURCE_LABELS, WORKSPACE_SUBSCRIPTION_LABELS, WORKSPACE_SUBSCRIPTIONS, type WorkspaceSubscription } from './consentLabels';

/**
 * A contact's email consent as this workspace sees it, in the order of authority: the global
 * unsubscribe, the workspace switch, then each category with whether a campaign would reach them
 * now; below, every change with when, how and by whom. Controls only for those who may edit the
 * record (`mayEdit`); lifting a global unsubscribe only for admins. The server decides again.
 */
export function ConsentPanel(props: { workspace: WorkspaceEntry; contactId: string; mayEdit: boolean }) {
  const { workspace, contactId, mayEdit } = props;
  const utils = trpc.useUtils();
  const input = { workspaceId: workspace.id, contactId };
  const consent = trpc.consent.get.useQuery(input);
  const history = trpc.consent.history.useQuery(input);
  const set = trpc.consent.set.useMutation({
    onSuccess: (data) => {
      utils.consent.get.setData(input, data);
      void utils.consent.history.invalidate(input);
    },
  });
  const change = (patch: { globallyUnsubscribed?: boolean; workspace?: WorkspaceSubscription; categories?: { categoryId: string; status: 'subscribed' | 'unsubscribed' }[] }) =>
    set.mutate({ ...input, ...patch });
  const data = consent.data;

  return (
    <section className="consent-panel" aria-labelledby="consent-heading">
      <h3 id="consent-heading">Email consent</h3>
      <ErrorMessage error={consent.error ?? set.error} />
      {consent.isPending && <p className="loading">Loading…</p>}
      {data && (
        <>
          {mayEdit ? (
            <label className="checkbox">
              <input
                type="checkbox"
                checked={data.globallyUnsubscribed}
                disabled={set.isPending || (data.globallyUnsubscribed && workspace.role !== 'admin')}
                onChange={(e) => change({ globallyUnsubscribed: e.target.checked })}
              />
              Unsubscribed from everything (no email from any workspace)
            </label>
          ) : (
            <p>
              <strong>Everything:</strong> {data.globallyUnsubscribed ? 'unsubscribed from every workspace' : 'not unsubscribed'}
            </p>
          )}
          {data.globallyUnsubscribed && data.globallyUnsubscribedAt && <p className="hint">Since {formatDateTime(data.globallyUnsubscribedAt)}. Only admins can lift it.</p>}
          {mayEdit ? (
            <Field label={`Emails from ${workspace.name}`}>
              {(control) => (
                <select {...control} value={data.workspace} disabled={set.isPending} onChange={(e) => change({ workspace: e.target.value as WorkspaceSubscription })}>
                  {WORKSPACE_SUBSCRIPTIONS.map((s) => (
                    <option key={s} value={s}>
                      {WORKSPACE_SUBSCRIPTION_LABELS[s]}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : (
            <p>
              <strong>Emails from {workspace.name}:</strong> {WORKSPACE_SUBSCRIPTION_LABELS[data.workspace]}
            </p>
          )}
          {data.categories.length === 0 ? (
            <p className="muted">This workspace has no email categories yet.</p>
          ) : (
            <table className="table consent-table" aria-label="Email categories of this contact">
              <thead>
                <tr>
                  <th scope="col">Category</th>
                  <th scope="col">Their choice</th>
                  <th scope="col">Receives it</th>
                </tr>
              </thead>
              <tbody>
                {data.categories.map((category) => (
                  <CategoryRow key={category.categoryId} category={category} mayEdit={mayEdit} busy={set.isPending} onChange={(status) => change({ categories: [{ categoryId: category.categoryId, status }] })} />
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <h4>History</h4>
      <ErrorMessage error={history.error} />
      {history.data && history.data.entries.length === 0 && <p className="muted">No change of consent yet.</p>}
      {history.data && history.data.entries.length > 0 && (
        <ol className="consent-history" aria-label="Consent history">
          {history.data.entries.map((entry) => (
            <li key={entry.id}>
              <span>{describeChange(entry)}</span>{' '}
              <small className="muted">
                {formatDateTime(entry.occurredAt)}, {SOURCE_LABELS[entry.source]}
                {entry.actorName || entry.actorEmail ? `, by ${entry.actorName || entry.actorEmail}` : ''}
                {entry.actorApiKeyId ? ' (API key)' : ''}
              </small>
            </li>
          ))}
        </ol>
      )}
      {history.data?.nextBefore && <p className="hint">Older changes are available through the API.</p>}
    </section>
  );
}

function CategoryRow(props: { category: CategoryConsent; mayEdit: boolean; busy: boolean; onChange: (status: 'subscribed' | 'unsubscribed') => void }) {
  const { category } = props;
  const defaultText = `No choice (default: ${category.subscribedByDefault ? 'subscribed' : 'not subscribed'})`;
  return (
    <tr>
      <th scope="row">
        {category.name}
        {category.archived && <span className="status pending"> Archived</span>}
      </th>
      <td>
        {props.mayEdit ? (
          <select
            aria-label={`Choice for ${category.name}`}
            value={category.choice ?? ''}
            disabled={props.busy}
            onChange={(e) => props.onChange(e.target.value as 'subscribed' | 'unsubscribed')}
          >
            {category.choice === null && (
              <option value="" disabled>
                {defaultText}
              </option>
            )}
            <option value="subscribed" disabled={category.archived}>
              Subscribed
            </option>
            <option value="unsubscribed">Unsubscribed</option>
          </select>
        ) : category.choice === null ? (
          <span className="muted">{defaultText}</span>
        ) : category.choice === 'subscribed' ? (
          'Subscribed'
        ) : (
          'Unsubscribed'
        )}
      </td>
      <td>{REASON_LABELS[category.reason]}</td>
    </tr>
  );
}

/** A contact's record in the console: /orgs/:id/contacts/:slug/:contactId (null: the list). */
export const contactPath = (organisation: { id: string }, workspace: WorkspaceEntry, contactId: string | null) =>
  `/orgs/${organisation.id}/contacts/${encodeURIComponent(workspace.slug)}${contactId ? `/${contactId}` : ''}`;

/**
 * The contact's record, opened from the contacts list: their email consent and its history.
 * Controls for those who may edit the person here (recordAccess.ts), as for the record form.
 */
export function ContactRecordDialog(props: { workspace: WorkspaceEntry; contactId: string; userId: string | undefined; onClose: () => void }) {
  const { workspace, contactId } = props;
  const contact = trpc.contacts.get.useQuery({ workspaceId: workspace.id, contactId }, { retry: false });
  return (
    <Dialog title={contact.data ? contactName(contact.data) : 'Contact'} onClose={props.onClose} wide>
      <ErrorMessage error={contact.error} />
      {contact.data && <ConsentPanel workspace={workspace} contactId={contactId} mayEdit={mayEditRecord(workspace, props.userId, contact.data)} />}
      {contact.data && <PersonalDataActions workspace={workspace} contact={contact.data} onErased={props.onClose} />}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
