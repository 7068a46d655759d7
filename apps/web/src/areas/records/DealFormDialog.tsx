import { useState } from 'react';
import { trpc, type RouterOutputs } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import type { FieldDefinition } from '../fields/fieldLabels';
import { AssigneeSelect } from './AssigneeSelect';
import { CustomFieldInputs } from './CustomFieldInputs';
import { type Drafts, draftsOf, valuesOf } from './fieldValues';
import type { WorkspaceEntry } from './WorkspacePicker';

export type Deal = RouterOutputs['deals']['search']['items'][number];

export function DealFormDialog(props: {
  workspace: WorkspaceEntry;
  fields: FieldDefinition[];
  deal: Deal | null;
  companies: { id: string; name: string }[];
  userId: string;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { workspace, fields, deal } = props;
  const [name, setName] = useState(deal?.name ?? '');
  const [amount, setAmount] = useState(deal?.amount === null || deal?.amount === undefined ? '' : String(deal.amount));
  const [currency, setCurrency] = useState(deal?.currency ?? '');
  const [companyId, setCompanyId] = useState(deal?.companyId ?? '');
  const [ownerUserId, setOwnerUserId] = useState<string | null>(deal ? deal.ownerUserId : props.userId);
  // '' is "the first open stage" for a new deal (the server's default), "no stage" for an existing one.
  const [stageId, setStageId] = useState(deal?.stageId ?? '');
  const stages = trpc.pipeline.list.useQuery({ workspaceId: workspace.id });
  const [drafts, setDrafts] = useState<Drafts>(() => draftsOf(fields, deal?.values ?? {}));
  const create = trpc.deals.create.useMutation({ onSuccess: props.onSaved });
  const update = trpc.deals.update.useMutation({ onSuccess: props.onSaved });
  const builtIns = {
    name: name.trim(),
    amount: amount.trim() === '' ? null : Number(amount),
    currency: currency.trim() === '' ? null : currency.trim().toUpperCase(),
    companyId: companyId === '' ? null : companyId,
    ownerUserId,
    ...(stageId !== '' ? { stageId } : deal ? { stageId: null } : {}),
  };

  return (
    <Dialog title={deal ? 'Edit deal' : 'New deal'} onClose={props.onClose} wide>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          if (deal) update.mutate({ workspaceId: workspace.id, dealId: deal.id, ...builtIns, values: valuesOf(fields, drafts, { omitEmpty: false }) });
          else create.mutate({ workspaceId: workspace.id, ...builtIns, values: valuesOf(fields, drafts, { omitEmpty: true }) });
        }}
      >
        <div className="form-columns">
          <Field label="Name">{(control) => <input {...control} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
          <Field label="Amount">{(control) => <input {...control} type="number" min={0} step="any" value={amount} onChange={(e) => setAmount(e.target.value)} />}</Field>
          <Field label="Currency" hint="Three letters (ISO 4217), such as EUR.">
            {(control) => <input {...control} maxLength={3} pattern="[A-Za-z]{3}" value={currency} onChange={(e) => setCurrency(e.target.value)} />}
          </Field>
          <Field label="Company">
            {(control) => (
              <select {...control} value={companyId} onChange={(e) => setCompanyId(e.target.value)}>
                <option value="">None</option>
                {/* Only the first companies are listed; a deal's company beyond them stays as it is. */}
                {deal?.companyId && !props.companies.some((c) => c.id === deal.companyId) && <option value={deal.companyId}>Current company (unchanged)</option>}
                {props.companies.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Stage">
            {(control) => (
              <select {...control} value={stageId} onChange={(e) => setStageId(e.target.value)}>
                <option value="">{deal ? 'No stage' : 'First open stage'}</option>
                {stages.data?.stages.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name} ({s.probability}%)
                  </option>
                ))}
              </select>
            )}
          </Field>
          <AssigneeSelect label="Owner" userId={props.userId} current={deal?.ownerUserId ?? null} value={ownerUserId} onChange={setOwnerUserId} />
        </div>
        <CustomFieldInputs fields={fields} drafts={drafts} held={deal?.values ?? {}} onChange={(key, draft) => setDrafts((d) => ({ ...d, [key]: draft }))} />
        <DialogActions mutation={deal ? update : create} submitLabel={deal ? 'Save deal' : 'Add deal'} pendingLabel="Saving…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
