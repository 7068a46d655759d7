import { type Database, sql, type Transaction } from '@steward/db';
import type { JobQueue } from '../../email/jobs.js';
import { emitNotification } from './notifications.js';

/**
 * The events other areas emit, each called inside the transaction of its change (one line there).
 * Nobody is told of what they did themselves.
 */

const nameOf = (trx: Transaction<Database>, userId: string) =>
  trx
    .selectFrom('users')
    .select(sql<string>`coalesce(nullif(name, ''), email)`.as('name'))
    .where('id', '=', userId)
    .executeTakeFirst()
    .then((u) => u?.name ?? 'Someone');

/** A deal went to another stage: its owner hears of it (a whole stage's deals moved on its deletion do not). */
export async function notifyDealStageChanged(
  trx: Transaction<Database>,
  jobs: JobQueue,
  change: { organisationId: string; workspaceId: string; dealId: string; dealName: string; ownerUserId: string | null; fromStageId: string | null; toStageId: string | null; actorUserId: string },
) {
  if (!change.ownerUserId || !change.toStageId || change.fromStageId === change.toStageId || change.ownerUserId === change.actorUserId) return;
  // The names as they are now, in one round trip (the request waits for it).
  const names = await trx
    .selectNoFrom((eb) => [
      eb.selectFrom('pipeline_stages').select('name').where('id', '=', change.fromStageId).as('fromStage'),
      eb.selectFrom('pipeline_stages').select('name').where('id', '=', change.toStageId!).as('toStage'),
      eb.selectFrom('users').select(sql<string>`coalesce(nullif(name, ''), email)`.as('name')).where('id', '=', change.actorUserId).as('movedBy'),
    ])
    .executeTakeFirstOrThrow();
  await emitNotification(trx, jobs, {
    event: 'deal.stage_changed',
    organisationId: change.organisationId,
    workspaceId: change.workspaceId,
    recipientUserId: change.ownerUserId,
    payload: { dealId: change.dealId, dealName: change.dealName, fromStage: names.fromStage, toStage: names.toStage ?? 'another stage', movedBy: names.movedBy ?? 'Someone' },
  });
}

/** Someone accepted an invitation: whoever sent it hears of it. */
export async function notifyInvitationAccepted(
  trx: Transaction<Database>,
  jobs: JobQueue,
  accepted: { organisationId: string; invitationId: string; inviterUserId: string | null; userId: string; email: string },
) {
  if (!accepted.inviterUserId || accepted.inviterUserId === accepted.userId) return;
  await emitNotification(trx, jobs, {
    event: 'invitation.accepted',
    organisationId: accepted.organisationId,
    workspaceId: null,
    recipientUserId: accepted.inviterUserId,
    payload: { invitationId: accepted.invitationId, name: await nameOf(trx, accepted.userId), email: accepted.email },
    dedupeKey: `invitation.accepted:${accepted.invitationId}`,
  });
}

/** A contact import ended: whoever started it hears how it went. */
export async function notifyImportFinished(
  trx: Transaction<Database>,
  jobs: JobQueue,
  ended: { id: string; organisation_id: string; workspace_id: string; created_by: string | null; file_name: string; state: string; created_count: number; updated_count: number; rejected_count: number; failure_reason: string | null },
) {
  if (!ended.created_by) return;
  await emitNotification(trx, jobs, {
    event: 'import.finished',
    organisationId: ended.organisation_id,
    workspaceId: ended.workspace_id,
    recipientUserId: ended.created_by,
    payload: {
      importId: ended.id,
      fileName: ended.file_name,
      state: ended.state === 'completed' ? 'completed' : 'failed',
      created: ended.created_count,
      updated: ended.updated_count,
      rejected: ended.rejected_count,
      reason: ended.failure_reason,
    },
    dedupeKey: `import.finished:${ended.id}`,
  });
}

/** A conversation was given to an agent (by the inbox's rule, or by someone else — not by themselves). */
export async function notifyConversationAssigned(
  trx: Transaction<Database>,
  jobs: JobQueue,
  assigned: { organisationId: string; workspaceId: string; conversationId: string; assigneeUserId: string | null; actorUserId: string | null },
) {
  if (!assigned.assigneeUserId || assigned.assigneeUserId === assigned.actorUserId) return;
  const about = await conversationNames(trx, assigned.conversationId);
  await emitNotification(trx, jobs, {
    event: 'conversation.assigned',
    organisationId: assigned.organisationId,
    workspaceId: assigned.workspaceId,
    recipientUserId: assigned.assigneeUserId,
    payload: { conversationId: assigned.conversationId, ...about, assignedBy: assigned.actorUserId ? await nameOf(trx, assigned.actorUserId) : null },
  });
}

/** The contact wrote again in a conversation someone is assigned: they hear of it. */
export async function notifyConversationReplied(
  trx: Transaction<Database>,
  jobs: JobQueue,
  replied: { organisationId: string; workspaceId: string; conversationId: string; assigneeUserId: string | null; body: string },
) {
  if (!replied.assigneeUserId) return;
  const about = await conversationNames(trx, replied.conversationId);
  await emitNotification(trx, jobs, {
    event: 'conversation.replied',
    organisationId: replied.organisationId,
    workspaceId: replied.workspaceId,
    recipientUserId: replied.assigneeUserId,
    payload: { conversationId: replied.conversationId, ...about, excerpt: replied.body.length > 140 ? `${replied.body.slice(0, 139)}…` : replied.body },
  });
}

const conversationNames = (trx: Transaction<Database>, conversationId: string) =>
  trx
    .selectFrom('conversations as c')
    .innerJoin('inboxes as i', 'i.id', 'c.inbox_id')
    .innerJoin('contacts as p', 'p.id', 'c.contact_id')
    .select(['c.inbox_id as inboxId', 'i.name as inboxName', sql<string>`coalesce(nullif(trim(p.first_name || ' ' || p.last_name), ''), p.email, p.phone, 'A contact')`.as('contactName')])
    .where('c.id', '=', conversationId)
    .executeTakeFirstOrThrow();

/** A campaign's send ended (sent to everyone, or failed until resumed): whoever created it hears of it. */
export async function notifyCampaignEnded(
  trx: Transaction<Database>,
  jobs: JobQueue,
  campaign: { id: string; organisation_id: string; workspace_id: string; name: string; created_by: string | null; state: 'sent' | 'failed'; failure_reason: string | null },
) {
  if (!campaign.created_by) return;
  const common = { organisationId: campaign.organisation_id, workspaceId: campaign.workspace_id, recipientUserId: campaign.created_by };
  if (campaign.state === 'failed') {
    await emitNotification(trx, jobs, { ...common, event: 'campaign.failed', payload: { campaignId: campaign.id, campaignName: campaign.name, reason: campaign.failure_reason ?? 'The send stopped.' } });
    return;
  }
  const counts = await trx
    .selectFrom('campaign_recipients')
    .select([sql<string>`count(*) filter (where state = 'sent')`.as('sent'), sql<string>`count(*) filter (where state = 'failed')`.as('failed')])
    .where('campaign_id', '=', campaign.id)
    .executeTakeFirstOrThrow();
  await emitNotification(trx, jobs, {
    ...common,
    event: 'campaign.sent',
    payload: { campaignId: campaign.id, campaignName: campaign.name, sent: Number(counts.sent), failed: Number(counts.failed) },
  });
}
