import { z } from 'zod';
import { NOTIFICATION_CHANNELS, NOTIFICATION_EVENT_KEYS, type NotificationEvent } from './catalogue.js';

export const notificationEventSchema = z.enum(NOTIFICATION_EVENT_KEYS as [NotificationEvent, ...NotificationEvent[]], 'Not an event Steward notifies about.');
export const notificationChannelSchema = z.enum(NOTIFICATION_CHANNELS, 'The channel must be in_app, email, both or off.');

export const notificationListInput = z.object({
  /** A word rather than a boolean: the REST surface coerces query strings, and "false" would read as true. */
  filter: z.enum(['all', 'unread']).default('all'),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().max(200).optional(),
});

export const notificationItem = z.object({
  id: z.string(),
  event: z.string(),
  workspaceId: z.string().nullable(),
  workspaceName: z.string().nullable(),
  title: z.string(),
  body: z.string(),
  /** The console page it is about. */
  path: z.string(),
  readAt: z.date().nullable(),
  createdAt: z.date(),
});

export const notificationListOutput = z.object({ items: z.array(notificationItem), nextCursor: z.string().nullable(), unread: z.number() });
export const unreadCountOutput = z.object({ unread: z.number() });

export const markReadInput = z.object({ notificationIds: z.array(z.uuid('Each notification id must be a UUID')).min(1).max(100) });
export const markedOutput = z.object({ marked: z.number(), unread: z.number() });

export const preferencesOutput = z.object({
  workspaceId: z.string().nullable(),
  preferences: z.array(z.object({ event: z.string(), channel: notificationChannelSchema, isDefault: z.boolean() })),
});
export const setPreferenceInput = z.object({ event: notificationEventSchema, channel: notificationChannelSchema });
export const setPreferenceOutput = z.object({ workspaceId: z.string().nullable(), event: z.string(), channel: notificationChannelSchema });
