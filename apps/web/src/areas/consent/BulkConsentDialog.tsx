import { useState } from 'react';
import { trpc, type RouterInputs } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { ChoiceField } from '../../ui/Field';
import type { RecordFilter } from '../records/filters';
import type { WorkspaceEntry } from '../records/WorkspacePicker';
import { WORKSPACE_SUBSCRIPTION_LABELS, WORKSPACE_SUBSCRIPTIONS, type WorkspaceSubscription } from './consentLabels';

type Change = RouterInputs['consent']['bulkSet']['change'];
type Target = 'category' | 'workspace' | 'unsubscribeAll' | 'liftAll';
const TARGET_LABELS: Record<Target, string> = {
  category: 'A category',
  workspace: 'Emails from this workspace',
  unsubscribeAll: 'Unsubscribe from everything',
  liftAll: 'Lift the global unsubscribe',
};

/** Admins: one consent change for every contact matching the list's current filters, in one call. */
export function BulkConsentDialog(props: { workspace: WorkspaceEntry; filters: RecordFilter[]; matching: number | null; onClose: () => void; onDone: (message: string) => void }) {
  const { workspace } = props;
  const categories = (trpc.emailCategories.list.useQuery({ workspaceId: workspace.id }).data ?? []).filter((c) => !c.archived);
  const [target, setTarget] = useState<Target>('category');
  const [categoryId, setCategoryId] = useState('');
  const [status, setStatus] = useState<'subscribed' | 'unsubscribed'>('unsubscribed');
  const [subscription, setSubscription] = useState<WorkspaceSubscription>('unsubscribed');
  const bulk = trpc.consent.bulkSet.useMutation({ onSuccess: (r) => props.onDone(`Consent changed for ${r.changed} of the ${r.matched} matching contacts.`) });
  const chosenCategory = categoryId || categories[0]?.id || '';

  function change(): Change | null {
    if (target === 'category') return chosenCategory ? { level: 'category', categoryId: chosenCategory, status } : null;
    if (target === 'workspace') return { level: 'workspace', status: subscription };
    return { level: 'global', globallyUnsubscribed: target === 'unsubscribeAll' };
  }

  return (
    <Dialog title="Change consent of the listed contacts" onClose={props.onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          const chosen = change();
          if (chosen) bulk.mutate({ workspaceId: workspace.id, filters: props.filters, change: chosen });
        }}
      >
        <p>
          Applies to {props.matching === null ? 'every contact' : `the ${props.matching} contacts`} matching {props.filters.length > 0 ? 'the current filters' : `in ${workspace.name}`}. Each change is kept in
          their consent history.
        </p>
        <ChoiceField label="Change" value={target} choices={Object.keys(TARGET_LABELS) as Target[]} labels={TARGET_LABELS} onChange={setTarget} />
        {target === 'category' && (
          <>
            {categories.length === 0 ? (
              <p className="muted">This workspace has no active email categories.</p>
            ) : (
              <ChoiceField label="Category" value={chosenCategory} choices={categories.map((c) => c.id)} labels={Object.fromEntries(categories.map((c) => [c.id, c.name]))} onChange={setCategoryId} />
            )}
            <ChoiceField label="Set to" value={status} choices={['unsubscribed', 'subscribed'] as const} labels={{ subscribed: 'Subscribed', unsubscribed: 'Unsubscribed' }} onChange={setStatus} />
          </>
        )}
        {target === 'workspace' && <ChoiceField label="Set to" value={subscription} choices={WORKSPACE_SUBSCRIPTIONS} labels={WORKSPACE_SUBSCRIPTION_LABELS} onChange={setSubscription} />}
        <DialogActions mutation={bulk} submitLabel="Apply to all" pendingLabel="Applying…" onCancel={props.onClose} disabled={change() === null} />
      </form>
    </Dialog>
  );
}
