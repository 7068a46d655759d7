import { navigate } from '../../routes';
import { trpc } from '../../trpc';
import { formatDateTime } from '../../ui/formatDate';
import { type NotificationItem, whenLabel } from './notificationLabels';

/** One notification as the panel and the page show it: a button that opens its page. */
export function NotificationEntry({ item, onOpen }: { item: NotificationItem; onOpen: (item: NotificationItem) => void }) {
  return (
    <button type="button" className="notification-open" onClick={() => onOpen(item)}>
      <span className="notification-title">{item.title}</span>
      <span className="notification-body">{item.body}</span>
      <small className="muted" title={formatDateTime(String(item.createdAt))}>
        {whenLabel(item.createdAt)}
        {item.workspaceName ? ` · ${item.workspaceName}` : ''}
      </small>
    </button>
  );
}

/** Mark read, mark all read (the count and the lists refresh after each), and open: go to its page, marked read. */
export function useNotificationActions(organisationId: string) {
  const utils = trpc.useUtils();
  const refresh = () => utils.notifications.invalidate();
  const markRead = trpc.notifications.markRead.useMutation({ onSettled: refresh });
  const markAllRead = trpc.notifications.markAllRead.useMutation({ onSettled: refresh });
  return {
    markRead: (item: NotificationItem) => markRead.mutate({ organisationId, notificationIds: [item.id] }),
    markAllRead: () => markAllRead.mutate({ organisationId }),
    open(item: NotificationItem) {
      if (!item.readAt) markRead.mutate({ organisationId, notificationIds: [item.id] });
      navigate(item.path);
    },
    pending: markRead.isPending || markAllRead.isPending,
    error: markRead.error ?? markAllRead.error,
  };
}
