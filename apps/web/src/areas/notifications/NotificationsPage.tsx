import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { Link, navigate } from '../../routes';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { formatDateTime } from '../../ui/formatDate';
import { type NotificationItem, whenLabel } from './notificationLabels';
import './notifications.css';

/** /orgs/:id/notifications — one's own notifications in this organisation, newest first. */
export function NotificationsPage({ organisation }: { organisation: Organisation }) {
  const utils = trpc.useUtils();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const pages = trpc.notifications.list.useInfiniteQuery({ organisationId: organisation.id, unreadOnly, limit: 20 }, { getNextPageParam: (page) => page.nextCursor ?? undefined });
  const refresh = () => utils.notifications.invalidate();
  const markRead = trpc.notifications.markRead.useMutation({ onSettled: refresh });
  const markAllRead = trpc.notifications.markAllRead.useMutation({ onSettled: refresh });
  const items = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const unread = pages.data?.pages[0]?.unread ?? 0;

  function open(item: NotificationItem) {
    if (!item.readAt) markRead.mutate({ organisationId: organisation.id, notificationIds: [item.id] });
    navigate(item.path);
  }

  return (
    <>
      <div className="page-header">
        <h1>Notifications</h1>
        <div className="toolbar">
          <label className="checkbox">
            <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} /> Unread only
          </label>
          <button type="button" className="button" disabled={unread === 0 || markAllRead.isPending} onClick={() => markAllRead.mutate({ organisationId: organisation.id })}>
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
      <ErrorMessage error={pages.error ?? markRead.error ?? markAllRead.error} />
      {pages.isPending && <p className="loading">Loading…</p>}
      {pages.data && items.length === 0 && <p className="muted">{unreadOnly ? 'Nothing unread.' : 'No notifications yet.'}</p>}
      {items.length > 0 && (
        <ul className="notification-list" aria-label="Notifications">
          {items.map((item) => (
            <li key={item.id} className={item.readAt ? 'read' : 'unread'}>
              <button type="button" className="notification-open" onClick={() => open(item)}>
                <span className="notification-title">{item.title}</span>
                <span className="notification-body">{item.body}</span>
                <small className="muted" title={formatDateTime(String(item.createdAt))}>
                  {whenLabel(item.createdAt)}
                  {item.workspaceName ? ` · ${item.workspaceName}` : ''}
                </small>
              </button>
              {!item.readAt && (
                <button
                  type="button"
                  className="button small"
                  aria-label={`Mark “${item.title}” read`}
                  disabled={markRead.isPending}
                  onClick={() => markRead.mutate({ organisationId: organisation.id, notificationIds: [item.id] })}
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
