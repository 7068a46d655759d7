import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { formatDateTime } from '../../ui/formatDate';

const LINK = /https?:\/\/[^\s<>"]+/g;

/** In development, emails (e.g. invitation links) land in an outbox instead of MailerSend; this shows it. */
export function DevOutboxPanel({ organisationId }: { organisationId: string }) {
  const outbox = trpc.devOutbox.list.useQuery(
    { organisationId },
    // Emails are sent by a background job a moment after the action; keep looking while it is open.
    { refetchInterval: (query) => (query.state.data?.active === false ? false : 2000) },
  );
  if (outbox.data && !outbox.data.active) return null;

  return (
    <section className="dev-outbox" aria-labelledby="dev-outbox-heading">
      <h2 id="dev-outbox-heading">Development outbox</h2>
      <p className="hint">No MailerSend key is configured, so emails are kept here instead of being sent.</p>
      <ErrorMessage error={outbox.error} />
      {outbox.data?.messages.length === 0 && <p className="muted">No emails yet.</p>}
      <ul className="outbox">
        {outbox.data?.messages.map((message) => (
          <li key={message.id}>
            <div>
              <strong>{message.subject}</strong> <span className="muted">to {message.to}</span>{' '}
              <small className="muted">{formatDateTime(message.createdAt)}</small>
            </div>
            {(message.text.match(LINK) ?? []).map((href) => (
              <a key={href} href={href} className="outbox-link">
                {href}
              </a>
            ))}
          </li>
        ))}
      </ul>
    </section>
  );
}
