import { type Database, sql, type Transaction } from '@steward/db';
import { isUniqueViolation, notFound } from '../../errors.js';
import { type Actor, recordAudit } from '../audit/record.js';
import { notifyConversationAssigned, notifyConversationReplied } from '../notifications/events.js';
import { emitWebhookEvent } from '../webhooks/emit.js';
import { type BusinessHours, isWithinBusinessHours, slaDueAt } from '../inboxes/business-hours.js';
import { lockInbox, type LockedInbox, pickAssignee, readInbox, takeRoundRobinTurn } from './assignment.js';
import { deliverOutbound, type OutboundDeps, recordOutbound } from './outbound.js';

/**
 * An inbound message — from Twilio's SMS webhook, the REST endpoint, or a mailbox — opens a
 * conversation with the matching contact (created if new) or continues the open one, assigns a
 * new conversation by the inbox's rule, stamps its SLA due times, and sends the out-of-office
 * reply once when it arrives outside business hours.
 */

export interface InboundMessage {
  inboxId: string;
  /** Where it came in (null: the REST endpoint). */
  channelId: string | null;
  from: { email?: string | null; phone?: string | null; name?: string | null };
  subject?: string | null;
  body: string;
  /** The provider's message id: a redelivery of the same id is ignored. */
  externalId?: string | null;
  /** A phone call: an out-of-office reply is spoken in the call (the caller's TwiML), not sent through a channel. */
  call?: boolean;
}

export interface InboundPlace {
  organisationId: string;
  workspaceId: string;
}

const digitsOf = (phone: string) => phone.replace(/[^0-9+]/g, '');

/** The contact the message is from: by email, else by phone number; created (and linked to the workspace) if new. */
async function findOrCreateContact(trx: Transaction<Database>, place: InboundPlace, from: InboundMessage['from']) {
  const [firstName = '', ...rest] = (from.name ?? '').trim().split(/\s+/);
  const lastName = rest.join(' ');
  let contactId: string;
  if (from.email) {
    const email = from.email.trim().toLowerCase();
    const row = await sql<{ id: string }>`
      insert into contacts (organisation_id, email, first_name, last_name, created_in_workspace_id)
      values (${place.organisationId}, ${email}, ${firstName}, ${lastName}, ${place.workspaceId})
      on conflict (organisation_id, lower(email)) where email is not null do update set email = contacts.email
      returning id`.execute(trx);
    contactId = row.rows[0]!.id;
    if (from.phone) await trx.updateTable('contacts').set({ phone: from.phone }).where('id', '=', contactId).where('phone', 'is', null).execute();
  } else {
    const phone = digitsOf(from.phone ?? '');
    // Phone numbers are not unique in the organisation: one lock per number keeps two first messages from making two people.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`contact-phone:${place.organisationId}:${phone}`}, 0))`.execute(trx);
    const existing = await trx
      .selectFrom('contacts as c')
      .leftJoin('contact_workspaces as cw', (j) => j.onRef('cw.contact_id', '=', 'c.id').on('cw.workspace_id', '=', place.workspaceId))
      .select('c.id')
      .where('c.organisation_id', '=', place.organisationId)
      .where(sql<string>`regexp_replace(c.phone, '[^0-9+]', '', 'g')`, '=', phone)
      .orderBy(sql`cw.contact_id is null`)
      .orderBy('c.created_at')
      .limit(1)
      .executeTakeFirst();
    contactId =
      existing?.id ??
      (
        await trx
          .insertInto('contacts')
          .values({ organisation_id: place.organisationId, phone, first_name: firstName, last_name: lastName, created_in_workspace_id: place.workspaceId })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
  }
  await trx
    .insertInto('contact_workspaces')
    .values({ workspace_id: place.workspaceId, contact_id: contactId, organisation_id: place.organisationId })
    .onConflict((oc) => oc.columns(['workspace_id', 'contact_id']).doNothing())
    .execute();
  return contactId;
}

/** Whether the sender already has an open conversation in the inbox (read before the arrival's transaction). */
async function hasOpenConversation(deps: OutboundDeps, place: InboundPlace, message: InboundMessage) {
  const email = message.from.email?.trim().toLowerCase();
  const phone = message.from.phone ? digitsOf(message.from.phone) : null;
  const found = await deps.db
    .selectFrom('conversations as c')
    .innerJoin('contacts as p', 'p.id', 'c.contact_id')
    .select('c.id')
    .where('c.inbox_id', '=', message.inboxId)
    .where('c.status', '=', 'open')
    .where('p.organisation_id', '=', place.organisationId)
    .where((eb) => (email ? eb(sql<string>`lower(p.email)`, '=', email) : eb(sql<string>`regexp_replace(p.phone, '[^0-9+]', '', 'g')`, '=', phone ?? '')))
    .limit(1)
    .executeTakeFirst();
  return found !== undefined;
}

const policyOf = (inbox: LockedInbox, minutes: number | null) => ({
  minutes,
  businessHoursOnly: inbox.sla_business_hours_only,
  hours: inbox.business_hours as BusinessHours | null,
  timeZone: inbox.timezone,
});

export interface InboundOutcome {
  conversationId: string;
  messageId: string | null;
  created: boolean;
  duplicate: boolean;
  assigneeUserId: string | null;
  outOfOfficeSent: boolean;
  /** The out-of-office words, when they are to be said in the call. */
  outOfOfficeSpoken: string | null;
}

/** `actor`: who handed the message in over the API (audited); null for a provider's webhook. */
export async function receiveInboundMessage(deps: OutboundDeps, place: InboundPlace, message: InboundMessage, actor: Actor | null = null, now = new Date()): Promise<InboundOutcome> {
  const inboxRow = await deps.db.selectFrom('inboxes').select(['assignment']).where('id', '=', message.inboxId).where('organisation_id', '=', place.organisationId).where('workspace_id', '=', place.workspaceId).executeTakeFirst();
  if (!inboxRow) throw notFound('Inbox');
  // Taken before the transaction, so that concurrent arrivals never queue behind each other for it
  // (a turn taken by a message that, racing another from the same new sender, ends up continuing
  // the conversation the other opened is skipped).
  // Only for a sender without an open conversation here: a message that continues one must not use up a turn.
  const turn = inboxRow.assignment === 'round_robin' && !(await hasOpenConversation(deps, place, message)) ? await takeRoundRobinTurn(deps.db, message.inboxId) : null;
  let result;
  try {
    result = await deps.db.transaction().execute(async (trx) => {
      if (message.externalId) {
        const seen = await trx
          .selectFrom('conversation_messages')
          .select('conversation_id')
          .where('organisation_id', '=', place.organisationId)
          .where('direction', '=', 'inbound')
          .where('external_id', '=', message.externalId)
          .executeTakeFirst();
        if (seen) return { conversationId: seen.conversation_id, messageId: null, created: false, duplicate: true, assigneeUserId: null, outOfOffice: null, outOfOfficeText: null };
      }
      const contactId = await findOrCreateContact(trx, place, message.from);
      // Load-balanced: counting the agents' open conversations and adding this one must not
      // interleave with another arrival's, on any process: the inbox's row lock, held to commit.
      const inbox = (inboxRow.assignment === 'load_balanced' ? await lockInbox(trx, message.inboxId) : await readInbox(trx, message.inboxId)) as LockedInbox;
      const continuing = () =>
        trx
          .selectFrom('conversations')
          .select(['id', 'assignee_user_id', 'first_responded_at', 'awaiting_reply_since', 'out_of_office_sent_at'])
          .where('inbox_id', '=', inbox.id)
          .where('contact_id', '=', contactId)
          .where('status', '=', 'open')
          .forUpdate()
          .executeTakeFirst();
      let conversation = await continuing();
      let created = false;
      if (!conversation) {
        const assignee = await pickAssignee(trx, inbox, turn);
        // One open conversation per contact and inbox (a unique index): a message from the same
        // sender arriving at the same moment continues the conversation the other one opened.
        conversation = await trx
          .insertInto('conversations')
          .values({
            organisation_id: place.organisationId,
            workspace_id: place.workspaceId,
            inbox_id: inbox.id,
            contact_id: contactId,
            channel_id: message.channelId,
            assignee_user_id: assignee,
            subject: message.subject ?? null,
            last_message_at: now,
            awaiting_reply_since: now,
            first_response_due_at: slaDueAt(policyOf(inbox, inbox.sla_first_response_minutes), now),
            resolution_due_at: slaDueAt(policyOf(inbox, inbox.sla_resolution_minutes), now),
            created_at: now,
          })
          .onConflict((oc) => oc.columns(['inbox_id', 'contact_id']).where('status', '=', 'open').doNothing())
          .returning(['id', 'assignee_user_id', 'first_responded_at', 'awaiting_reply_since', 'out_of_office_sent_at'])
          .executeTakeFirst();
        created = conversation !== undefined;
        if (conversation?.assignee_user_id) {
          await notifyConversationAssigned(trx, deps.jobs, { ...place, conversationId: conversation.id, assigneeUserId: conversation.assignee_user_id, actorUserId: null });
          await emitWebhookEvent(trx, { ...place, type: 'conversation.assigned', data: { conversationId: conversation.id, inboxId: inbox.id, assigneeUserId: conversation.assignee_user_id, previousAssigneeUserId: null, by: 'rule' } });
        }
        conversation ??= await continuing();
        if (!conversation) throw new Error('The open conversation vanished while a message was being added to it.');
      }
      if (!created) {
        // The contact writes again after our reply: the next-response clock starts.
        const startsWaiting = conversation.awaiting_reply_since === null;
        await trx
          .updateTable('conversations')
          .set({
            last_message_at: now,
            updated_at: now,
            ...(startsWaiting ? { awaiting_reply_since: now, next_response_due_at: conversation.first_responded_at ? slaDueAt(policyOf(inbox, inbox.sla_next_response_minutes), now) : null } : {}),
          })
          .where('id', '=', conversation.id)
          .execute();
        await notifyConversationReplied(trx, deps.jobs, { ...place, conversationId: conversation.id, assigneeUserId: conversation.assignee_user_id, body: message.body });
      }
      const inserted = await trx
        .insertInto('conversation_messages')
        .values({ organisation_id: place.organisationId, conversation_id: conversation.id, direction: 'inbound', body: message.body, external_id: message.externalId ?? null, delivery: 'received', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();

      // Once per conversation: the conversation's row is locked (new, or FOR UPDATE above).
      let outOfOffice: string | null = null;
      const closed = inbox.business_hours !== null && !isWithinBusinessHours(inbox.business_hours as BusinessHours, inbox.timezone, now);
      if (closed && inbox.out_of_office_message && conversation.out_of_office_sent_at === null) {
        await trx.updateTable('conversations').set({ out_of_office_sent_at: now }).where('id', '=', conversation.id).execute();
        outOfOffice = await recordOutbound(trx, {
          organisationId: place.organisationId,
          conversationId: conversation.id,
          body: inbox.out_of_office_message,
          kind: 'out_of_office',
          authorUserId: null,
          ...(message.call ? { delivery: 'sent' as const } : {}),
        });
      }
      if (actor) {
        await recordAudit(trx, actor, { ...place, action: 'conversations.receive', targetType: 'conversation', targetId: conversation.id, after: { messageId: inserted.id, created, assigneeUserId: conversation.assignee_user_id } });
      }
      return { conversationId: conversation.id, messageId: inserted.id, created, duplicate: false, assigneeUserId: conversation.assignee_user_id, outOfOffice, outOfOfficeText: inbox.out_of_office_message };
    });
  } catch (error) {
    // The same provider message delivered twice at the same moment: the other delivery added it.
    if (message.externalId && isUniqueViolation(error, 'conversation_messages_inbound_external_key')) return receiveInboundMessage(deps, place, message, actor, now);
    throw error;
  }
  if (result.outOfOffice && !message.call) await deliverOutbound(deps, result.outOfOffice);
  return {
    conversationId: result.conversationId,
    messageId: result.messageId,
    created: result.created,
    duplicate: result.duplicate,
    assigneeUserId: result.assigneeUserId,
    outOfOfficeSent: Boolean(result.outOfOffice),
    outOfOfficeSpoken: result.outOfOffice && message.call ? result.outOfOfficeText : null,
  };
}
