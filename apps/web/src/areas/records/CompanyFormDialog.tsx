import { useState } from 'react';
import { trpc, type RouterOutputs } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import type { FieldDefinition } from '../fields/fieldLabels';
import { CustomFieldInputs } from './CustomFieldInputs';
import { type Drafts, draftsOf, valuesOf } from './fieldValues';
import type { WorkspaceEntry } from './WorkspacePicker';

export type Company = RouterOutputs['companies']['search']['items'][number];

export function CompanyFormDialog(props: { workspace: WorkspaceEntry; fields: FieldDefinition[]; company: Company | null; onClose: () => void; onSaved: () => void }) {
  const { workspace, fields, company } = props;
  const [name, setName] = useState(company?.name ?? '');
  const [domain, setDomain] = useState(company?.domain ?? '');
  const [drafts, setDrafts] = useState<Drafts>(() => draftsOf(fields, company?.values ?? {}));
  const create = trpc.companies.create.useMutation({ onSuccess: props.onSaved });
  const update = trpc.companies.update.useMutation({ onSuccess: props.onSaved });
  const builtIns = { name: name.trim(), domain: domain.trim() === '' ? null : domain.trim() };

  return (
    <Dialog title={company ? 'Edit company' : 'New company'} onClose={props.onClose} wide>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          if (company) update.mutate({ workspaceId: workspace.id, companyId: company.id, ...builtIns, values: valuesOf(fields, drafts, { omitEmpty: false }) });
          else create.mutate({ workspaceId: workspace.id, ...builtIns, values: valuesOf(fields, drafts, { omitEmpty: true }) });
        }}
      >
        <div className="form-columns">
          <Field label="Name">{(control) => <input {...control} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
          <Field label="Domain" hint="Such as example.org.">
            {(control) => <input {...control} maxLength={253} value={domain} onChange={(e) => setDomain(e.target.value)} />}
          </Field>
        </div>
        <CustomFieldInputs fields={fields} drafts={drafts} held={company?.values ?? {}} onChange={(key, draft) => setDrafts((d) => ({ ...d, [key]: draft }))} />
        <DialogActions mutation={company ? update : create} submitLabel={company ? 'Save company' : 'Add company'} pendingLabel="Saving…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
