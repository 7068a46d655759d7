import { Dialog } from './Dialog';
import { ErrorMessage } from './ErrorMessage';

/** Asks before a destructive action; shows the action's error and stays open until it succeeds or is cancelled. */
export function ConfirmDialog(props: {
  title: string;
  children: React.ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  pending?: boolean;
  error?: { message: string } | null;
}) {
  return (
    <Dialog title={props.title} onClose={props.onCancel}>
      <div className="dialog-body">{props.children}</div>
      <ErrorMessage error={props.error} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" className="button danger-solid" disabled={props.pending} onClick={props.onConfirm}>
          {props.pending ? 'Working…' : props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
