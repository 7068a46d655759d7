import { useEffect, useId, useRef } from 'react';
import { ErrorMessage } from './ErrorMessage';

/**
 * A modal dialog on the native <dialog> element (focus trapping and Escape come with it).
 * Render it only while it is open; `onClose` runs on Escape and on the Cancel button.
 */
export function Dialog(props: { title: string; onClose: () => void; children: React.ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className={props.wide ? 'dialog wide' : 'dialog'}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}

/**
 * The foot of a dialog's form: the mutation's error, Cancel, and the submit button, which says it is
 * working while the mutation runs. `disabled` holds the submit back for reasons of the form's own.
 */
export function DialogActions(props: {
  mutation: { isPending: boolean; error: { message: string } | null };
  submitLabel: string;
  pendingLabel: string;
  onCancel: () => void;
  disabled?: boolean;
  danger?: boolean;
}) {
  const { mutation } = props;
  return (
    <>
      <ErrorMessage error={mutation.error} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className={props.danger ? 'button danger-solid' : 'button primary'} disabled={props.disabled || mutation.isPending}>
          {mutation.isPending ? props.pendingLabel : props.submitLabel}
        </button>
      </div>
    </>
  );
}
