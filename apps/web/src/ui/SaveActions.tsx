import { ErrorMessage } from './ErrorMessage';

/**
 * The foot of a settings form that stays on the page after saving: the save's error, "Saved." once
 * it has gone through, and the submit button. `disabled` holds the button back for the form's own reasons.
 */
export function SaveActions(props: {
  mutation: { isPending: boolean; error: { message: string } | null };
  saved: boolean;
  submitLabel: string;
  disabled?: boolean;
}) {
  const { mutation } = props;
  return (
    <>
      <ErrorMessage error={mutation.error} />
      {props.saved && !mutation.isPending && (
        <p className="success" role="status">
          Saved.
        </p>
      )}
      <div className="dialog-actions start">
        <button type="submit" className="button primary" disabled={props.disabled || mutation.isPending}>
          {mutation.isPending ? 'Saving…' : props.submitLabel}
        </button>
      </div>
    </>
  );
}
