import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { Link } from '../../routes';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { NotificationEntry, useNotificationActions } from './NotificationEntry';
import './notifications.css';

/** /orgs/:id/notifications — one's own notifications in this organisation, newest first. */
export function NotificationsPage({ organisation }: { organisation: Organisation }) {
  const [unreadOnly, setUnreadOnly] = useState(false);
  const pages = trpc.notifications.list.useInfiniteQuery({ organisationId: organisation.id, filter: unreadOnly ? 'unread' : 'all', limit: 20 }, { getNextPageParam: (page) => page.nextCursor ?? undefined });
  const actions = useNotificationActions(organisation.id);
  const items = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const unread = pages.data?.pages[0]?.unread ?? 0;

  return (
    <>
      <div className="page-header">
        <h1>Notifications</h1>
        <div className="toolbar">
          <label className="checkbox">
            <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} /> Unread only
          </label>
          <button type="button" className="button" disabled={unread === 0 || actions.pending} onClick={actions.markAllRead}>
            Mark all read
          </button>
          <Link className="button" to={`/orgs/${organisation.id}/notifications/preferences`}>
            Preferences
          </Link>
        </div>
      </div>
      <p className="hint">
        What happened in {organisation.name} that you chose to hear of in the console: {unread === 1 ? '1 unread' : `${unread} unread`}. Only you see these.
      </p>
      <ErrorMessage error={pages.error ?? actions.error} />
      {pages.isPending && <p className="loading">Loading…</p>}
      {pages.data && items.length === 0 && <p className="muted">{unreadOnly ? 'Nothing unread.' : 'No notifications yet.'}</p>}
      {items.length > 0 && (
        <ul className="notification-list" aria-label="Notifications">
          {items.map((item) => (
            <li key={item.id} className={item.readAt ? 'read' : 'unread'}>
              <NotificationEntry item={item} onOpen={actions.open} />
              {!item.readAt && (
                <button
                  type="button"
                  className="button small"
                  aria-label={`Mark “${item.title}” read`}
                  disabled={actions.pending}
                  onClick={() => actions.markRead(item)}
                >
                  Mark read
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {pages.hasNextPage && (
        <button type="button" className="button" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
          {pages.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </>
  );
}
