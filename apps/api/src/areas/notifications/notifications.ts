import { type Database, type Db, sql, type Transaction } from '@steward/db';
import { type JobQueue, QUEUES } from '../../email/jobs.js';
import { AppError, notFound } from '../../errors.js';
import { type Actor, recordAudit } from '../audit/record.js';
import { decodeCursor, encodeCursor } from '../records/filters.js';
import { NOTIFICATION_EVENTS, type NotificationChannel, type NotificationEvent, eventsOfScope } from './catalogue.js';
import { messageFor, type NotificationPayloads } from './messages.js';

/**
 * A person's notifications and their choices. Every query here is the caller's own: the user and
 * the organisation come from the procedure's context, never from the input.
 */
export interface Recipient {
  userId: string;
  organisationId: string;
}

export interface NotificationInput<E extends NotificationEvent> {
  event: E;
  organisationId: string;
  /** Required for workspace events; null for organisation events. */
  workspaceId: string | null;
  recipientUserId: string;
  payload: NotificationPayloads[E];
  /** At most one notification per recipient and key (e.g. one per API key expiry). */
  dedupeKey?: string;
}

/**
 * Records an event for its recipient inside the transaction of the change that caused it, and
 * enqueues its delivery there too (pg-boss on the same connection): both commit with the change or
 * not at all, and the request never waits for an email. The preference is read at delivery.
 */
export async function emitNotification<E extends NotificationEvent>(trx: Transaction<Database>, jobs: JobQueue, n: NotificationInput<E>): Promise<string | null> {
  if ((NOTIFICATION_EVENTS[n.event].scope === 'workspace') !== (n.workspaceId !== null)) {
    throw new Error(`Notification ${n.event} is ${NOTIFICATION_EVENTS[n.event].scope}-scoped; workspaceId ${n.workspaceId === null ? 'missing' : 'not expected'}.`);
  }
  const row = await trx
    .insertInto('notifications')
    .values({
      organisation_id: n.organisationId,
      workspace_id: n.workspaceId,
      user_id: n.recipientUserId,
      event: n.event,
      payload: JSON.stringify(n.payload),
      dedupe_key: n.dedupeKey ?? null,
    })
    .onConflict((oc) => oc.columns(['user_id', 'dedupe_key']).where('dedupe_key', 'is not', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) return null;
  await jobs.enqueue(trx, QUEUES.notificationDelivery, { notificationId: row.id });
  return row.id;
}

const PAGE_MAX = 50;

/** The notification centre: one's in-app notifications in this organisation, newest first, with the unread count. */
export async function listNotifications(db: Db, who: Recipient, input: { filter?: 'all' | 'unread'; limit?: number; cursor?: string }) {
  const limit = Math.min(input.limit ?? 20, PAGE_MAX);
  const after = decodeCursor(input.cursor);
  let query = db
    .selectFrom('notifications as n')
    .innerJoin('organisations as o', 'o.id', 'n.organisation_id')
    .leftJoin('workspaces as w', 'w.id', 'n.workspace_id')
    .select(['n.id', 'n.event', 'n.payload', 'n.workspace_id as workspaceId', 'w.name as workspaceName', 'w.slug as workspaceSlug', 'o.name as organisationName', 'n.read_at as readAt', 'n.created_at as createdAt'])
    .select(sql<string>`n.created_at::text`.as('cursorAt'))
    .where('n.user_id', '=', who.userId)
    .where('n.organisation_id', '=', who.organisationId)
    .where('n.in_app', '=', true)
    .orderBy('n.created_at', 'desc')
    .orderBy('n.id', 'desc')
    .limit(limit + 1);
  if (input.filter === 'unread') query = query.where('n.read_at', 'is', null);
  if (after) query = query.where(sql<boolean>`(n.created_at, n.id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  const [rows, unread] = await Promise.all([query.execute(), unreadCount(db, who)]);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map((r) => {
      const message = messageFor(r.event, r.payload, { organisationId: who.organisationId, organisationName: r.organisationName, workspaceName: r.workspaceName, workspaceSlug: r.workspaceSlug });
      return { id: r.id, event: r.event, workspaceId: r.workspaceId, workspaceName: r.workspaceName, ...message, readAt: r.readAt, createdAt: r.createdAt };
    }),
    nextCursor: rows.length > limit && last ? encodeCursor(last.cursorAt, last.id) : null,
    unread,
  };
}

export async function unreadCount(db: Db, who: Recipient): Promise<number> {
  const { n } = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', who.userId)
    .where('organisation_id', '=', who.organisationId)
    .where('in_app', '=', true)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** Marks some of one's own notifications read; an id that is not one's own is NOT_FOUND, and nothing changes. */
export async function markRead(db: Db, actor: Actor, who: Recipient, notificationIds: string[]) {
  const ids = [...new Set(notificationIds)];
  return db.transaction().execute(async (trx) => {
    const mine = await trx
      .selectFrom('notifications')
      .select(['id', 'read_at'])
      .where('id', 'in', ids)
      .where('user_id', '=', who.userId)
      .where('organisation_id', '=', who.organisationId)
      .where('in_app', '=', true)
      .forUpdate()
      .execute();
    if (mine.length !== ids.length) throw notFound(ids.length === 1 ? 'The notification' : 'One of the notifications');
    const unreadIds = mine.filter((r) => r.read_at === null).map((r) => r.id);
    if (unreadIds.length > 0) await trx.updateTable('notifications').set({ read_at: sql`now()` }).where('id', 'in', unreadIds).execute();
    await recordAudit(trx, actor, { organisationId: who.organisationId, action: 'notifications.markRead', targetType: 'notification', targetId: ids.length === 1 ? ids[0] : null, after: { notificationIds: ids, newlyRead: unreadIds.length } });
    return { marked: unreadIds.length, unread: await unreadCount(trx, who) };
  });
}

export async function markAllRead(db: Db, actor: Actor, who: Recipient) {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('notifications')
      .set({ read_at: sql`now()` })
      .where('user_id', '=', who.userId)
      .where('organisation_id', '=', who.organisationId)
      .where('in_app', '=', true)
      .where('read_at', 'is', null)
      .executeTakeFirst();
    const marked = Number(result.numUpdatedRows);
    await recordAudit(trx, actor, { organisationId: who.organisationId, action: 'notifications.markAllRead', targetType: 'notification', after: { marked } });
    return { marked, unread: 0 };
  });
}

/** One's choice for each event of this place (a workspace, or null for the organisation), defaults filled in. */
export async function getPreferences(db: Db, who: Recipient, workspaceId: string | null) {
  const events = eventsOfScope(workspaceId === null ? 'organisation' : 'workspace');
  const saved = await db
    .selectFrom('notification_preferences')
    .select(['event', 'channel'])
    .where('user_id', '=', who.userId)
    .where('organisation_id', '=', who.organisationId)
    .where('workspace_id', workspaceId === null ? 'is' : '=', workspaceId)
    .execute();
  const chosen = new Map(saved.map((p) => [p.event, p.channel]));
  return {
    workspaceId,
    preferences: events.map((event) => {
      const channel = chosen.get(event);
      return { event, channel: channel ?? NOTIFICATION_EVENTS[event].defaultChannel, isDefault: channel === undefined };
    }),
  };
}

export async function setPreference(db: Db, actor: Actor, who: Recipient, workspaceId: string | null, event: NotificationEvent, channel: NotificationChannel) {
  const scope = NOTIFICATION_EVENTS[event].scope;
  if (scope === 'workspace' && workspaceId === null) throw new AppError('BAD_REQUEST', `“${NOTIFICATION_EVENTS[event].label}” is chosen per workspace: set it in a workspace's notification preferences.`);
  if (scope === 'organisation' && workspaceId !== null) throw new AppError('BAD_REQUEST', `“${NOTIFICATION_EVENTS[event].label}” is chosen once for the organisation, not per workspace.`);
  return db.transaction().execute(async (trx) => {
    const before = await channelFor(trx, { ...who, workspaceId, event });
    await trx
      .insertInto('notification_preferences')
      .values({ user_id: who.userId, organisation_id: who.organisationId, workspace_id: workspaceId, event, channel })
      .onConflict((oc) => oc.constraint('notification_preferences_key').doUpdateSet({ channel, updated_at: sql`now()` }))
      .execute();
    await recordAudit(trx, actor, {
      organisationId: who.organisationId,
      workspaceId,
      action: workspaceId === null ? 'notifications.setOrganisationPreference' : 'notifications.setWorkspacePreference',
      targetType: 'notification_preference',
      targetId: event,
      before: { channel: before },
      after: { channel },
    });
    return { workspaceId, event, channel };
  });
}

/** The channel a person chose for an event in a place, or the catalogue's default. */
export async function channelFor(db: Db | Transaction<Database>, where: Recipient & { workspaceId: string | null; event: string }): Promise<NotificationChannel> {
  const saved = await db
    .selectFrom('notification_preferences')
    .select('channel')
    .where('user_id', '=', where.userId)
    .where('organisation_id', '=', where.organisationId)
    .where('workspace_id', where.workspaceId === null ? 'is' : '=', where.workspaceId)
    .where('event', '=', where.event)
    .executeTakeFirst();
  return saved?.channel ?? NOTIFICATION_EVENTS[where.event as NotificationEvent]?.defaultChannel ?? 'in_app';
}
