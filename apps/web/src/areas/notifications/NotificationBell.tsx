import { useEffect, useRef, useState } from 'react';
import type { Organisation } from '../../Layout';
import { Link } from '../../routes';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { NotificationEntry, useNotificationActions } from './NotificationEntry';
import type { NotificationItem } from './notificationLabels';
import './notifications.css';

/** How often the header asks for the unread count (the server does the counting with one index). */
const POLL_MS = 30_000;

/**
 * The header's notification centre: the unread count on the button, the latest notifications in
 * a panel that opens under it, each opening its page (and marked read), and "Mark all read".
 */
export function NotificationBell({ organisation }: { organisation: Organisation }) {
  const [open, setOpen] = useState(false);
  const count = trpc.notifications.unreadCount.useQuery({ organisationId: organisation.id }, { refetchInterval: POLL_MS });
  const unread = count.data?.unread ?? 0;
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !box.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [open]);

  return (
    <div className="notification-bell" ref={box}>
      <button
        type="button"
        className="button"
        aria-expanded={open}
        aria-controls="notification-panel"
        aria-label={unread > 0 ? `Notifications, ${unread} unread` : 'Notifications'}
        onClick={() => setOpen((o) => !o)}
      >
        Notifications
        {unread > 0 && (
          <span className="unread-badge" data-testid="unread-count">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && <NotificationPanel organisation={organisation} onClose={() => setOpen(false)} />}
    </div>
  );
}

function NotificationPanel({ organisation, onClose }: { organisation: Organisation; onClose: () => void }) {
  const list = trpc.notifications.list.useQuery({ organisationId: organisation.id, limit: 8 });
  const actions = useNotificationActions(organisation.id);
  const open = (item: NotificationItem) => {
    onClose();
    actions.open(item);
  };

  return (
    <div id="notification-panel" className="notification-panel" role="region" aria-label="Latest notifications">
      <div className="notification-panel-header">
        <strong>Notifications</strong>
        <button type="button" className="button small" disabled={!list.data?.unread || actions.pending} onClick={actions.markAllRead}>
          Mark all read
        </button>
      </div>
      <ErrorMessage error={list.error ?? actions.error} />
      {list.isPending && <p className="loading">Loading…</p>}
      {list.data && list.data.items.length === 0 && <p className="muted">Nothing yet. Events you choose to hear of in-app show here.</p>}
      {list.data && list.data.items.length > 0 && (
        <ul className="notification-list compact">
          {list.data.items.map((item) => (
            <li key={item.id} className={item.readAt ? 'read' : 'unread'}>
              <NotificationEntry item={item} onOpen={open} />
            </li>
          ))}
        </ul>
      )}
      <div className="notification-panel-footer" onClick={onClose}>
        <Link to={`/orgs/${organisation.id}/notifications`}>All notifications</Link>
        <Link to={`/orgs/${organisation.id}/notifications/preferences`}>Preferences</Link>
      </div>
    </div>
  );
}
