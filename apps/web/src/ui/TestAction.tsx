import { ErrorMessage } from './ErrorMessage';

/**
 * A button that asks an outside service something (send a test email, test a connection) and what
 * came back, in the service's words: a success as a status, a failure as an alert.
 */
export function TestAction(props: {
  mutation: { isPending: boolean; error: { message: string } | null; data?: { ok: boolean; message: string } };
  label: string;
  pendingLabel: string;
  /** Put before a failure's message, e.g. "The test email was not sent: ". */
  failurePrefix?: string;
  onRun: () => void;
}) {
  const { mutation } = props;
  return (
    <>
      <div className="dialog-actions start">
        <button type="button" className="button" disabled={mutation.isPending} onClick={props.onRun}>
          {mutation.isPending ? props.pendingLabel : props.label}
        </button>
      </div>
      <ErrorMessage error={mutation.error} />
      {mutation.data &&
        !mutation.isPending &&
        (mutation.data.ok ? (
          <p className="success" role="status">
            {mutation.data.message}
          </p>
        ) : (
          <p className="error" role="alert">
            {props.failurePrefix}
            {mutation.data.message}
          </p>
        ))}
    </>
  );
}
