import { useId } from 'react';

/** The control's props that tie it to its label and hint. */
export interface FieldControlProps {
  id: string;
  'aria-describedby'?: string;
}

/**
 * A labelled form control. The label points at the control (htmlFor) instead of wrapping it, so
 * the control's accessible name is exactly the label: a wrapped <select> would add its value to it.
 */
export function Field(props: { label: React.ReactNode; hint?: React.ReactNode; children: (control: FieldControlProps) => React.ReactNode }) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, 'aria-describedby': props.hint ? hintId : undefined })}
      {props.hint && (
        <small id={hintId} className="hint">
          {props.hint}
        </small>
      )}
    </div>
  );
}

/**
 * A labelled box for typing a secret (an API key, a signing secret): masked, never autofilled or
 * spell-checked. It only ever holds a replacement being typed; saved secrets are not sent back.
 */
export function SecretField(props: { label: React.ReactNode; hint?: React.ReactNode; value: string; onChange: (value: string) => void; placeholder?: string; required?: boolean }) {
  return (
    <Field label={props.label} hint={props.hint}>
      {(control) => (
        <input
          {...control}
          type="password"
          autoComplete="new-password"
          spellCheck={false}
          required={props.required}
          placeholder={props.placeholder}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

/** A labelled <select> of a fixed set of values, each shown by its label (by itself when there are no labels). */
export function ChoiceField<Value extends string>(props: {
  label: React.ReactNode;
  hint?: React.ReactNode;
  value: Value;
  choices: readonly Value[];
  labels?: Record<Value, string>;
  onChange: (value: Value) => void;
}) {
  return (
    <Field label={props.label} hint={props.hint}>
      {(control) => (
        <select {...control} value={props.value} onChange={(event) => props.onChange(event.target.value as Value)}>
          {props.choices.map((choice) => (
            <option key={choice} value={choice}>
              {props.labels ? props.labels[choice] : choice}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
