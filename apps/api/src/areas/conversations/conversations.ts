import { type Database, type Db, type Transaction } from '@steward/db';
import { AppError, notFound } from '../../errors.js';
import type { JobQueue } from '../../email/jobs.js';
import { type Actor, recordAudit } from '../audit/record.js';
import { notifyConversationAssigned } from '../notifications/events.js';
import { emitWebhookEvent } from '../webhooks/emit.js';
import { lockInbox, openConversationsOfAgent, workingAgents } from './assignment.js';
import { deliverOutbound, type OutboundDeps, recordOutbound, replyChannelFor } from './outbound.js';

export interface ConversationPlace {
  organisationId: string;
  workspaceId: string;
}

function summaryQuery(db: Db | Transaction<Database>, place: ConversationPlace) {
  return db
    .selectFrom('conversations as c')
    .innerJoin('contacts as p', 'p.id', 'c.contact_id')
    .leftJoin('users as u', 'u.id', 'c.assignee_user_id')
    .select([
      'c.id',
      'c.inbox_id',
      'c.status',
      'c.subject',
      'c.channel_id',
      'c.last_message_at',
      'c.created_at',
      'c.first_response_due_at',
      'c.next_response_due_at',
      'c.resolution_due_at',
      'c.first_responded_at',
      'c.awaiting_reply_since',
      'c.resolved_at',
      'c.assignee_user_id',
      'u.name as assignee_name',
      'u.email as assignee_email',
      'p.id as contact_id',
      'p.first_name',
      'p.last_name',
      'p.email as contact_email',
      'p.phone as contact_phone',
    ])
    .select((eb) =>
      eb.selectFrom('conversation_messages as m').select('m.body').whereRef('m.conversation_id', '=', 'c.id').orderBy('m.created_at', 'desc').limit(1).as('preview'),
    )
    .where('c.organisation_id', '=', place.organisationId)
    .where('c.workspace_id', '=', place.workspaceId);
}
type SummaryRow = Awaited<ReturnType<ReturnType<typeof summaryQuery>['executeTakeFirstOrThrow']>>;

/** The SLA state now: a target passed unmet is a breach; pending targets are on track. */
export function slaStateOf(row: Pick<SummaryRow, 'status' | 'first_response_due_at' | 'next_response_due_at' | 'resolution_due_at' | 'first_responded_at' | 'awaiting_reply_since' | 'resolved_at'>, now = new Date()) {
  const targets: { due: Date; metAt: Date | null; pending: boolean }[] = [];
  if (row.first_response_due_at) targets.push({ due: row.first_response_due_at, metAt: row.first_responded_at, pending: !row.first_responded_at });
  if (row.next_response_due_at) targets.push({ due: row.next_response_due_at, metAt: null, pending: row.awaiting_reply_since !== null });
  if (row.resolution_due_at) targets.push({ due: row.resolution_due_at, metAt: row.resolved_at, pending: row.status === 'open' });
  if (targets.length === 0) return { state: 'none' as const, nextDueAt: null };
  const breached = targets.some((t) => (t.pending ? t.due < now : t.metAt !== null && t.metAt > t.due));
  const pending = targets.filter((t) => t.pending).map((t) => t.due).sort((a, b) => a.getTime() - b.getTime());
  return { state: breached ? ('breached' as const) : pending.length ? ('on_track' as const) : ('met' as const), nextDueAt: pending[0]?.toISOString() ?? null };
}

function describeSummary(row: SummaryRow, now = new Date()) {
  const sla = slaStateOf(row, now);
  return {
    id: row.id,
    inboxId: row.inbox_id,
    status: row.status,
    subject: row.subject,
    contact: {
      id: row.contact_id,
      name: `${row.first_name} ${row.last_name}`.trim() || row.contact_email || row.contact_phone || 'Unknown',
      email: row.contact_email,
      phone: row.contact_phone,
    },
    assignee: row.assignee_user_id ? { userId: row.assignee_user_id, name: row.assignee_name ?? '', email: row.assignee_email ?? '' } : null,
    lastMessageAt: row.last_message_at.toISOString(),
    preview: row.preview ? row.preview.slice(0, 140) : null,
    sla: {
      ...sla,
      firstResponseDueAt: row.first_response_due_at?.toISOString() ?? null,
      nextResponseDueAt: row.next_response_due_at?.toISOString() ?? null,
      resolutionDueAt: row.resolution_due_at?.toISOString() ?? null,
    },
    createdAt: row.created_at.toISOString(),
  };
}

const encodeCursor = (row: { last_message_at: Date; id: string }) => Buffer.from(`${row.last_message_at.toISOString()}|${row.id}`).toString('base64url');
function decodeCursor(cursor: string) {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!at || !id || Number.isNaN(Date.parse(at))) throw new AppError('BAD_REQUEST', 'The cursor is not valid; start from the first page.');
  return { at: new Date(at), id };
}

/** An inbox's conversations, most recent first, with assignee, status and SLA state (keyset pages). */
export async function listConversations(
  db: Db,
  place: ConversationPlace,
  userId: string,
  input: { inboxId: string; status: 'open' | 'resolved' | 'all'; assignee?: string; limit: number; cursor?: string },
) {
  const inbox = await db.selectFrom('inboxes').select('id').where('id', '=', input.inboxId).where('workspace_id', '=', place.workspaceId).where('organisation_id', '=', place.organisationId).executeTakeFirst();
  if (!inbox) throw notFound('Inbox');
  let query = summaryQuery(db, place).where('c.inbox_id', '=', input.inboxId);
  if (input.status !== 'all') query = query.where('c.status', '=', input.status);
  if (input.assignee === 'me') query = query.where('c.assignee_user_id', '=', userId);
  else if (input.assignee === 'unassigned') query = query.where('c.assignee_user_id', 'is', null);
  else if (input.assignee) query = query.where('c.assignee_user_id', '=', input.assignee);
  if (input.cursor) {
    const { at, id } = decodeCursor(input.cursor);
    query = query.where((eb) => eb.or([eb('c.last_message_at', '<', at), eb.and([eb('c.last_message_at', '=', at), eb('c.id', '<', id)])]));
  }
  const rows = await query.orderBy('c.last_message_at', 'desc').orderBy('c.id', 'desc').limit(input.limit + 1).execute();
  const page = rows.slice(0, input.limit);
  return { conversations: page.map((r) => describeSummary(r)), nextCursor: rows.length > input.limit ? encodeCursor(page.at(-1)!) : null };
}

async function findSummary(db: Db | Transaction<Database>, place: ConversationPlace, conversationId: string) {
  const row = await summaryQuery(db, place).where('c.id', '=', conversationId).executeTakeFirst();
  if (!row) throw notFound('Conversation');
  return row;
}

export async function getConversation(db: Db | Transaction<Database>, place: ConversationPlace, conversationId: string) {
  const row = await findSummary(db, place, conversationId);
  const messages = await db
    .selectFrom('conversation_messages as m')
    .leftJoin('users as u', 'u.id', 'm.author_user_id')
    .select(['m.id', 'm.direction', 'm.kind', 'm.body', 'm.delivery', 'm.failure', 'm.created_at', 'm.author_user_id', 'u.name as author_name'])
    .where('m.conversation_id', '=', conversationId)
    .orderBy('m.created_at')
    .orderBy('m.id')
    .limit(500)
    .execute();
  return {
    ...describeSummary(row),
    channelId: row.channel_id,
    messages: messages.map((m) => ({
      id: m.id,
      direction: m.direction,
      kind: m.kind,
      body: m.body,
      author: m.author_user_id ? { userId: m.author_user_id, name: m.author_name ?? '' } : null,
      delivery: m.delivery,
      failure: m.failure,
      createdAt: m.created_at.toISOString(),
    })),
  };
}

/**
 * Assigns to an agent of the inbox (or nobody). Under the inbox lock, like automatic assignment,
 * so a load-balanced inbox's cap holds against hand assignment too.
 */
export async function assignConversation(deps: { db: Db; jobs: JobQueue }, actor: Actor, place: ConversationPlace, conversationId: string, userId: string | null) {
  return deps.db.transaction().execute(async (trx) => {
    const before = await findSummary(trx, place, conversationId);
    const inbox = (await lockInbox(trx, before.inbox_id))!;
    if (userId) {
      const agent = await workingAgents(trx, inbox)
        .innerJoin('users as u', 'u.id', 'a.user_id')
        .select(['u.email'])
        .select((eb) => openConversationsOfAgent(eb, conversationId).as('open'))
        .where('a.user_id', '=', userId)
        .executeTakeFirst();
      if (!agent) throw new AppError('BAD_REQUEST', 'Conversations are assigned to the agents of their inbox who work this workspace (member or admin); add this person to the inbox first.');
      if (inbox.assignment === 'load_balanced' && inbox.agent_cap !== null && before.status === 'open' && Number(agent.open ?? 0) >= inbox.agent_cap) {
        throw new AppError('CONFLICT', `${agent.email} already has ${inbox.agent_cap} open conversations in this inbox, its cap per agent.`);
      }
    }
    await trx.updateTable('conversations').set({ assignee_user_id: userId, updated_at: new Date() }).where('id', '=', conversationId).execute();
    if (userId !== before.assignee_user_id) await notifyConversationAssigned(trx, deps.jobs, { ...place, conversationId, assigneeUserId: userId, actorUserId: actor.userId });
    await recordAudit(trx, actor, { ...place, action: 'conversations.assign', targetType: 'conversation', targetId: conversationId, before: { assigneeUserId: before.assignee_user_id }, after: { assigneeUserId: userId } });
    if (before.assignee_user_id !== userId) {
      await emitWebhookEvent(trx, { ...place, type: 'conversation.assigned', data: { conversationId, inboxId: before.inbox_id, assigneeUserId: userId, previousAssigneeUserId: before.assignee_user_id, by: 'hand' } });
    }
    return getConversation(trx, place, conversationId);
  });
}

/** A reply through the conversation's channel: recorded first (SLA met), then sent; its delivery says how it went. */
export async function replyToConversation(deps: OutboundDeps, actor: Actor, place: ConversationPlace, conversationId: string, body: string, now = new Date()) {
  const messageId = await deps.db.transaction().execute(async (trx) => {
    const conversation = await trx
      .selectFrom('conversations as c')
      .innerJoin('contacts as p', 'p.id', 'c.contact_id')
      .select(['c.id', 'c.status', 'c.channel_id', 'c.inbox_id', 'p.email', 'p.phone'])
      .where('c.id', '=', conversationId)
      .where('c.organisation_id', '=', place.organisationId)
      .where('c.workspace_id', '=', place.workspaceId)
      .forUpdate('c')
      .executeTakeFirst();
    if (!conversation) throw notFound('Conversation');
    if (conversation.status !== 'open') throw new AppError('CONFLICT', 'This conversation is resolved; a new message from the contact opens a new one.');
    if (!(await replyChannelFor(trx, conversation, conversation))) {
      throw new AppError('PRECONDITION_FAILED', 'No channel of this inbox can reach this contact: add an SMS channel for a phone number or an email channel for an address.');
    }
    const id = await recordOutbound(trx, { organisationId: place.organisationId, conversationId, body, kind: 'message', authorUserId: actor.userId });
    await trx
      .updateTable('conversations as c')
      .set((eb) => ({ first_responded_at: eb.fn.coalesce('c.first_responded_at', eb.val(now)), awaiting_reply_since: null, next_response_due_at: null, last_message_at: now, updated_at: now }))
      .where('c.id', '=', conversationId)
      .execute();
    await recordAudit(trx, actor, { ...place, action: 'conversations.reply', targetType: 'conversation', targetId: conversationId, after: { messageId: id, length: body.length } });
    return id;
  });
  await deliverOutbound(deps, messageId);
  const conversation = await getConversation(deps.db, place, conversationId);
  return { message: conversation.messages.find((m) => m.id === messageId)!, conversation };
}

/**
 * Resolves; when the inbox runs a CSAT survey, its question goes to the contact through the
 * conversation's channel (once: a resolved conversation is not resolved again).
 */
export async function resolveConversation(deps: OutboundDeps, actor: Actor, place: ConversationPlace, conversationId: string, now = new Date()) {
  const survey = await deps.db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('conversations as c')
      .innerJoin('inboxes as i', 'i.id', 'c.inbox_id')
      .innerJoin('contacts as p', 'p.id', 'c.contact_id')
      .select(['c.id', 'c.status', 'c.channel_id', 'c.inbox_id', 'i.csat_enabled', 'i.csat_question', 'p.email', 'p.phone'])
      .where('c.id', '=', conversationId)
      .where('c.organisation_id', '=', place.organisationId)
      .where('c.workspace_id', '=', place.workspaceId)
      .forUpdate('c')
      .executeTakeFirst();
    if (!before) throw notFound('Conversation');
    if (before.status === 'resolved') return null;
    await trx.updateTable('conversations').set({ status: 'resolved', resolved_at: now, awaiting_reply_since: null, updated_at: now }).where('id', '=', conversationId).execute();
    const asks = before.csat_enabled && before.csat_question && (await replyChannelFor(trx, before, before)) !== null;
    const surveyId = asks ? await recordOutbound(trx, { organisationId: place.organisationId, conversationId, body: before.csat_question!, kind: 'csat', authorUserId: null }) : null;
    await recordAudit(trx, actor, { ...place, action: 'conversations.resolve', targetType: 'conversation', targetId: conversationId, before: { status: before.status }, after: { status: 'resolved', csatSent: Boolean(surveyId) } });
    return surveyId;
  });
  if (survey) await deliverOutbound(deps, survey);
  return getConversation(deps.db, place, conversationId);
}
