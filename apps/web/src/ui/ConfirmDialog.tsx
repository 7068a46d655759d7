import { Dialog } from './Dialog';
import { ErrorMessage } from './ErrorMessage';

/**
 * Asks before a destructive action; shows the action's error and stays open until it succeeds or is
 * cancelled. Cancelling also clears the mutation, so its error is gone when the dialog next opens.
 */
export function ConfirmDialog(props: {
  title: string;
  children: React.ReactNode;
  confirmLabel: string;
  mutation: { isPending: boolean; error: { message: string } | null; reset: () => void };
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { mutation } = props;
  const cancel = () => {
    props.onCancel();
    mutation.reset();
  };
  return (
    <Dialog title={props.title} onClose={cancel}>
      <div className="dialog-body">{props.children}</div>
      <ErrorMessage error={mutation.error} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={cancel}>
          Cancel
        </button>
        <button type="button" className="button danger-solid" disabled={mutation.isPending} onClick={props.onConfirm}>
          {mutation.isPending ? 'Working…' : props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
