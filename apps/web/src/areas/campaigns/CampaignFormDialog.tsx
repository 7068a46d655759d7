import { useMemo, useState } from 'react';
import { trpc } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { useDebouncedValue } from '../../ui/useDebouncedValue';
import { useConsentFilterables } from '../consent/consentFilters';
import { FilterBar } from '../records/FilterBar';
import { type Filterable, filterableOf, type RecordFilter } from '../records/filters';
import { useRecordFields } from '../records/recordAccess';
import type { WorkspaceEntry } from '../records/WorkspacePicker';
import type { Campaign } from './campaignLabels';

/**
 * Writes a campaign (a draft) or edits one: name, category, subject and bodies with merge fields,
 * and the contacts it goes to (the contacts list's filters), with the audience counted as one types.
 */
export function CampaignFormDialog(props: { workspace: WorkspaceEntry; campaign: Campaign | null; onClose: () => void; onSaved: (campaign: Campaign) => void }) {
  const { workspace, campaign } = props;
  const workspaceId = workspace.id;
  const categories = (trpc.emailCategories.list.useQuery({ workspaceId }).data ?? []).filter((c) => !c.archived || c.id === campaign?.categoryId);
  const mergeFields = trpc.campaigns.mergeFields.useQuery({ workspaceId }).data ?? [];
  const { fields } = useRecordFields(workspaceId, 'contact');
  const consentFilterables = useConsentFilterables(workspaceId);
  const [name, setName] = useState(campaign?.name ?? '');
  const [categoryId, setCategoryId] = useState(campaign?.categoryId ?? '');
  const [subject, setSubject] = useState(campaign?.subject ?? '');
  const [htmlBody, setHtmlBody] = useState(campaign?.htmlBody ?? '');
  const [textBody, setTextBody] = useState(campaign?.textBody ?? '');
  const [filters, setFilters] = useState<RecordFilter[]>((campaign?.filters as RecordFilter[] | undefined) ?? []);
  const chosenCategory = categoryId || categories.find((c) => !c.archived)?.id || '';

  const filterables = useMemo<Filterable[]>(
    () => [
      { field: 'firstName', label: 'First name', kind: 'text' },
      { field: 'lastName', label: 'Last name', kind: 'text' },
      { field: 'email', label: 'Email', kind: 'text' },
      { field: 'country', label: 'Country', kind: 'text' },
      { field: 'language', label: 'Language', kind: 'text' },
      ...fields.map(filterableOf),
      ...consentFilterables,
    ],
    [fields, consentFilterables],
  );
  // Debounced as text: an object would be new on every render and never settle.
  const audienceInput = JSON.parse(useDebouncedValue(JSON.stringify({ workspaceId, categoryId: chosenCategory, filters }), 300)) as { workspaceId: string; categoryId: string; filters: RecordFilter[] };
  const audience = trpc.campaigns.audience.useQuery(audienceInput, { enabled: Boolean(audienceInput.categoryId), placeholderData: (previous) => previous });

  const create = trpc.campaigns.create.useMutation({ onSuccess: props.onSaved });
  const update = trpc.campaigns.update.useMutation({ onSuccess: props.onSaved });
  const save = campaign ? update : create;

  return (
    <Dialog title={campaign ? `Edit ${campaign.name}` : 'New campaign'} onClose={props.onClose} wide>
      <form
        className="form campaign-form"
        onSubmit={(event) => {
          event.preventDefault();
          const values = { name: name.trim(), categoryId: chosenCategory, subject, htmlBody, textBody, filters };
          if (campaign) update.mutate({ workspaceId, campaignId: campaign.id, ...values });
          else create.mutate({ workspaceId, ...values });
        }}
      >
        <Field label="Name" hint="For you; recipients see the subject.">
          {(control) => <input {...control} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Email category" hint="Contacts who opted out of the category never receive the campaign.">
          {(control) => (
            <select {...control} required value={chosenCategory} onChange={(e) => setCategoryId(e.target.value)}>
              {categories.length === 0 && <option value="">No categories yet: add one under Email categories</option>}
              {categories.map((c) => (
                <option key={c.id} value={c.id} disabled={c.archived}>
                  {c.name}
                  {c.archived ? ' (archived)' : ''}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Subject">{(control) => <input {...control} maxLength={300} value={subject} onChange={(e) => setSubject(e.target.value)} />}</Field>
        <Field label="HTML body">{(control) => <textarea {...control} rows={8} value={htmlBody} onChange={(e) => setHtmlBody(e.target.value)} />}</Field>
        <Field label="Text body" hint="Shown by mail programs that do not show HTML.">
          {(control) => <textarea {...control} rows={5} value={textBody} onChange={(e) => setTextBody(e.target.value)} />}
        </Field>
        <details className="merge-fields">
          <summary>Merge fields</summary>
          <p className="hint">Write them in double braces; each recipient gets their own value (escaped in the HTML body). Any other name is refused when you save.</p>
          <ul>
            {mergeFields.map((f) => (
              <li key={f.name}>
                <code>{`{{${f.name}}}`}</code> — {f.description}
              </li>
            ))}
          </ul>
        </details>
        <fieldset className="campaign-audience">
          <legend>Recipients</legend>
          <p className="hint">Everyone in {workspace.name} who receives the category, narrowed by these filters (none: all of them).</p>
          <FilterBar noun="recipients" filterables={filterables} filters={filters} onChange={setFilters} />
          <p role="status" className="audience-count">
            {audience.data ? `${audience.data.count.toLocaleString()} ${audience.data.count === 1 ? 'contact' : 'contacts'} would receive it now.` : audience.error ? audience.error.message : ' '}
          </p>
        </fieldset>
        <DialogActions mutation={save} submitLabel={campaign ? 'Save campaign' : 'Save draft'} pendingLabel="Saving…" onCancel={props.onClose} disabled={!chosenCategory} />
      </form>
    </Dialog>
  );
}
