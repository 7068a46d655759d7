import { useState } from 'react';
import { trpc } from '../../trpc';
import { Dialog, DialogActions } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import type { FieldChange } from './CreateFieldDialog';
import { ENTITY_LABELS, type FieldDefinition } from './fieldLabels';

/** Label, description and the required flag. Changing them touches the definition only, never a record. */
export function EditFieldDialog(props: { field: FieldDefinition; onClose: () => void; onSaved: (field: FieldChange) => void }) {
  const { field } = props;
  const [label, setLabel] = useState(field.label);
  const [description, setDescription] = useState(field.description ?? '');
  const [required, setRequired] = useState(field.required);
  const update = trpc.fields.update.useMutation({ onSuccess: props.onSaved });
  const noun = ENTITY_LABELS[field.entity].one;

  return (
    <Dialog title={`Edit ${field.label}`} onClose={props.onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          update.mutate({ fieldId: field.id, label: label.trim(), description: description.trim() || null, required });
        }}
      >
        <Field label="Label">{(control) => <input {...control} required maxLength={100} value={label} onChange={(e) => setLabel(e.target.value)} />}</Field>
        <p className="hint">
          Key <code>{field.key}</code> — what the API and stored values use; it never changes.
        </p>
        <Field label="Description (optional)">{(control) => <input {...control} maxLength={500} value={description} onChange={(e) => setDescription(e.target.value)} />}</Field>
        <label className="checkbox">
          <input type="checkbox" checked={required} onChange={(e) => setRequired(e.target.checked)} />
          Required: every save of a {noun} must give it a value
        </label>
        {required && !field.required && <p className="hint">Records that have no value yet keep working until they are next saved; you will see how many there are.</p>}
        <DialogActions mutation={update} submitLabel="Save field" pendingLabel="Saving…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
