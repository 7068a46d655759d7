import { orgProcedure, workspaceProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import { getPreferences, listNotifications, markAllRead, markRead, setPreference, unreadCount } from './notifications.js';
import { markedOutput, markReadInput, notificationListInput, notificationListOutput, preferencesOutput, setPreferenceInput, setPreferenceOutput, unreadCountOutput } from './schemas.js';

const TAGS = ['notifications'];

/** The caller's own notifications and preferences: the person comes from the session or key, never the input. */
const recipientOf = (ctx: { user: { id: string }; org: { id: string } }) => ({ userId: ctx.user.id, organisationId: ctx.org.id });

export const notificationsRouter = router({
  list: orgProcedure('notifications.own')
    .meta({ openapi: { method: 'GET', path: '/organisations/{organisationId}/notifications', tags: TAGS, summary: 'Your notifications in this organisation, newest first, with the unread count' } })
    .input(notificationListInput)
    .output(notificationListOutput)
    .query(({ ctx, input }) => listNotifications(ctx.db, recipientOf(ctx), input)),

  unreadCount: orgProcedure('notifications.own')
    .meta({ openapi: { method: 'GET', path: '/organisations/{organisationId}/notifications/unread-count', tags: TAGS, summary: 'How many of your notifications are unread' } })
    .output(unreadCountOutput)
    .query(async ({ ctx }) => ({ unread: await unreadCount(ctx.db, recipientOf(ctx)) })),

  markRead: orgProcedure('notifications.own')
    .meta({ openapi: { method: 'POST', path: '/organisations/{organisationId}/notifications/read', tags: TAGS, summary: 'Mark some of your notifications read' } })
    .input(markReadInput)
    .output(markedOutput)
    .mutation(({ ctx, input }) => markRead(ctx.db, actorOf(ctx), recipientOf(ctx), input.notificationIds)),

  markAllRead: orgProcedure('notifications.own')
    .meta({ openapi: { method: 'POST', path: '/organisations/{organisationId}/notifications/read-all', tags: TAGS, summary: 'Mark all your notifications in this organisation read' } })
    .output(markedOutput)
    .mutation(({ ctx }) => markAllRead(ctx.db, actorOf(ctx), recipientOf(ctx))),

  organisationPreferences: orgProcedure('notifications.own')
    .meta({ openapi: { method: 'GET', path: '/organisations/{organisationId}/notification-preferences', tags: TAGS, summary: 'How you hear of organisation-wide events' } })
    .output(preferencesOutput)
    .query(({ ctx }) => getPreferences(ctx.db, recipientOf(ctx), null)),

  setOrganisationPreference: orgProcedure('notifications.own')
    .meta({ openapi: { method: 'PUT', path: '/organisations/{organisationId}/notification-preferences', tags: TAGS, summary: 'Choose in-app, email, both or off for an organisation-wide event' } })
    .input(setPreferenceInput)
    .output(setPreferenceOutput)
    .mutation(({ ctx, input }) => setPreference(ctx.db, actorOf(ctx), recipientOf(ctx), null, input.event, input.channel)),

  workspacePreferences: workspaceProcedure('notifications.preferences')
    .meta({ openapi: { method: 'GET', path: '/workspaces/{workspaceId}/notification-preferences', tags: TAGS, summary: "How you hear of this workspace's events" } })
    .output(preferencesOutput)
    .query(({ ctx }) => getPreferences(ctx.db, recipientOf(ctx), ctx.workspace.id)),

  setWorkspacePreference: workspaceProcedure('notifications.preferences')
    .meta({ openapi: { method: 'PUT', path: '/workspaces/{workspaceId}/notification-preferences', tags: TAGS, summary: 'Choose in-app, email, both or off for an event of this workspace' } })
    .input(setPreferenceInput)
    .output(setPreferenceOutput)
    .mutation(({ ctx, input }) => setPreference(ctx.db, actorOf(ctx), recipientOf(ctx), ctx.workspace.id, input.event, input.channel)),
});
