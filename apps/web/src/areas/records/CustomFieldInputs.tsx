import { Field, type FieldControlProps } from '../../ui/Field';
import type { FieldDefinition } from '../fields/fieldLabels';
import type { Draft, Drafts, RecordValues } from './fieldValues';

/**
 * One input per custom field, each by its type. The browser refuses what it can (a number field
 * takes numbers, an email field an address, required fields a value); archived options are not
 * offered unless the record already holds them. The server checks everything again.
 */
export function CustomFieldInputs(props: { fields: FieldDefinition[]; drafts: Drafts; held: RecordValues; onChange: (key: string, draft: Draft) => void }) {
  if (props.fields.length === 0) return null;
  return (
    <fieldset className="plain custom-fields">
      {props.fields.map((field) => (
        <CustomFieldInput key={field.id} field={field} draft={props.drafts[field.key]} held={props.held[field.key]} onChange={(draft) => props.onChange(field.key, draft)} />
      ))}
    </fieldset>
  );
}

function CustomFieldInput(props: { field: FieldDefinition; draft: Draft | undefined; held: unknown; onChange: (draft: Draft) => void }) {
  const { field, held } = props;
  const label = field.required ? `${field.label} (required)` : field.label;
  const hint = field.description ?? undefined;
  const text = typeof props.draft === 'string' ? props.draft : '';
  const chosen = Array.isArray(props.draft) ? props.draft : [];
  const heldIds = Array.isArray(held) ? held : [held];
  // An archived option stays on the records that hold it, and cannot be chosen anew.
  const offered = field.options.filter((o) => !o.archived || heldIds.includes(o.id));
  const optionText = (o: { label: string; archived: boolean }) => (o.archived ? `${o.label} (archived)` : o.label);

  if (field.type === 'multi_select') {
    return (
      <fieldset className="choices">
        <legend>{label}</legend>
        {hint && <small className="hint">{hint}</small>}
        {offered.length === 0 && <small className="hint">This field has no options yet.</small>}
        {offered.map((o) => (
          <label key={o.id} className="checkbox">
            <input
              type="checkbox"
              checked={chosen.includes(o.id)}
              onChange={(e) => props.onChange(e.target.checked ? [...chosen, o.id] : chosen.filter((id) => id !== o.id))}
            />
            {optionText(o)}
          </label>
        ))}
      </fieldset>
    );
  }

  const input = (control: FieldControlProps) => {
    const common = { ...control, required: field.required, value: text, onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => props.onChange(e.target.value) };
    switch (field.type) {
      case 'number':
        return <input {...common} type="number" step="any" inputMode="decimal" />;
      case 'date':
        return <input {...common} type="date" />;
      case 'secondary_email':
        return <input {...common} type="email" maxLength={254} />;
      case 'url':
        return <input {...common} type="url" maxLength={2048} placeholder="https://" />;
      case 'boolean':
        return (
          <select {...common}>
            <option value="">—</option>
            <option value="true">Yes</option>
            <option value="false">No</option>
          </select>
        );
      case 'select':
        return (
          <select {...common}>
            <option value="">—</option>
            {offered.map((o) => (
              <option key={o.id} value={o.id}>
                {optionText(o)}
              </option>
            ))}
          </select>
        );
      default:
        return <input {...common} type="text" maxLength={10_000} />;
    }
  };
  return (
    <Field label={label} hint={hint}>
      {input}
    </Field>
  );
}
