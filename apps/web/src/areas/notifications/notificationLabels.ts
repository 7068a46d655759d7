import type { RouterOutputs } from '../../trpc';

export type NotificationItem = RouterOutputs['notifications']['list']['items'][number];
export type NotificationPreference = RouterOutputs['notifications']['workspacePreferences']['preferences'][number];

/** "3 minutes ago" for recent items, the date beyond a day. */
export function whenLabel(value: string | Date, now = Date.now()): string {
  const at = new Date(value).getTime();
  const minutes = Math.round((now - at) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(value).toLocaleDateString(undefined, { dateStyle: 'medium' });
}
