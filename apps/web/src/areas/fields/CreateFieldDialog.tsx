import { useState } from 'react';
import { trpc, type RouterOutputs } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { ChoiceField, Field } from '../../ui/Field';
import { ENTITY_LABELS, type FieldEntity, FIELD_SCOPE_HINTS, FIELD_SCOPE_LABELS, FIELD_TYPE_LABELS, FIELD_TYPES, type FieldScope, type FieldType, isSelectType } from './fieldLabels';

export type FieldChange = RouterOutputs['fields']['update'];

/** One option per line, blank lines skipped. */
const optionLabels = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

/** Adds a field; only the scopes the person may manage here are offered (`scopes`, never empty). */
export function CreateFieldDialog(props: { workspaceId: string; entity: FieldEntity; scopes: FieldScope[]; onClose: () => void; onCreated: (field: FieldChange) => void }) {
  const [label, setLabel] = useState('');
  const [type, setType] = useState<FieldType>('text');
  const [scope, setScope] = useState<FieldScope>(props.scopes[0]!);
  const [description, setDescription] = useState('');
  const [required, setRequired] = useState(false);
  const [options, setOptions] = useState('');
  const create = trpc.fields.create.useMutation({ onSuccess: props.onCreated });
  const scopeLabels = Object.fromEntries(props.scopes.map((s) => [s, `${FIELD_SCOPE_LABELS[s]} — ${FIELD_SCOPE_HINTS[s]}`])) as Record<FieldScope, string>;

  return (
    <Dialog title={`New ${ENTITY_LABELS[props.entity].one} field`} onClose={props.onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({
            workspaceId: props.workspaceId,
            entity: props.entity,
            label: label.trim(),
            type,
            scope,
            description: description.trim() || undefined,
            required,
            options: isSelectType(type) ? optionLabels(options).map((l) => ({ label: l })) : undefined,
          });
        }}
      >
        <Field label="Label" hint="Shown on records and in filters; it can change later. The key the API uses is made from it once, and never changes.">
          {(control) => <input {...control} required maxLength={100} value={label} onChange={(e) => setLabel(e.target.value)} />}
        </Field>
        <ChoiceField label="Type" value={type} choices={FIELD_TYPES} labels={FIELD_TYPE_LABELS} onChange={setType} />
        <ChoiceField label="Scope" value={scope} choices={props.scopes} labels={scopeLabels} onChange={setScope} />
        {isSelectType(type) && (
          <Field label="Options" hint="One per line. You can add, rename, reorder and archive options later.">
            {(control) => <textarea {...control} rows={4} value={options} onChange={(e) => setOptions(e.target.value)} />}
          </Field>
        )}
        <Field label="Description (optional)">{(control) => <input {...control} maxLength={500} value={description} onChange={(e) => setDescription(e.target.value)} />}</Field>
        <label className="checkbox">
          <input type="checkbox" checked={required} onChange={(e) => setRequired(e.target.checked)} />
          Required: every save of a {ENTITY_LABELS[props.entity].one} must give it a value
        </label>
        <DialogActions mutation={create} submitLabel="Create field" pendingLabel="Creating…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
