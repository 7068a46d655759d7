import type { AssignmentRule, Database, Db, Transaction } from '@steward/db';
import { effectiveWorkspaceRole } from '../../access/roles.js';
import { AppError, isUniqueViolation, notFound } from '../../errors.js';
import { type Actor, recordAudit } from '../audit/record.js';
import type { BusinessHours } from './business-hours.js';
import { openConversationsOfAgent } from '../conversations/assignment.js';

/**
 * Inboxes of a workspace: fed by channels, staffed by agents (workspace members and admins),
 * with an assignment rule, business hours in the workspace's time zone, an SLA policy and a CSAT survey.
 */

export interface InboxPlace {
  organisationId: string;
  workspaceId: string;
}

export interface InboxSettings {
  name: string;
  emailAddress: string | null;
  channelIds: string[];
  agentUserIds: string[];
  assignment: AssignmentRule;
  agentCap: number | null;
  businessHours: Record<string, { open: string; close: string } | null | undefined> | null;
  outOfOfficeMessage: string | null;
  sla: { firstResponseMinutes: number | null; nextResponseMinutes: number | null; resolutionMinutes: number | null; businessHoursOnly: boolean };
  csat: { enabled: boolean; question: string | null };
}

/** Days left out or null are closed; an all-closed week with hours set is refused (nobody could ever be in). */
function cleanHours(hours: Record<string, { open: string; close: string } | null | undefined> | null): BusinessHours | null {
  if (!hours) return null;
  const open = Object.fromEntries(Object.entries(hours).filter(([, span]) => span)) as BusinessHours;
  if (Object.keys(open).length === 0) throw new AppError('BAD_REQUEST', 'Business hours need at least one open day; to be always open, turn business hours off.');
  return open;
}

async function listInboxRows(db: Db | Transaction<Database>, place: InboxPlace, inboxId?: string) {
  let query = db
    .selectFrom('inboxes as i')
    .innerJoin('workspaces as w', 'w.id', 'i.workspace_id')
    .selectAll('i')
    .select('w.timezone')
    .select((eb) =>
      eb
        .selectFrom('conversations as c')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('c.inbox_id', '=', 'i.id')
        .where('c.status', '=', 'open')
        .as('open_conversations'),
    )
    .where('i.organisation_id', '=', place.organisationId)
    .where('i.workspace_id', '=', place.workspaceId);
  if (inboxId) query = query.where('i.id', '=', inboxId);
  const inboxes = await query.orderBy('i.name').execute();
  const ids = inboxes.map((i) => i.id);
  if (ids.length === 0) return [];
  const [channels, agents] = await Promise.all([
    db.selectFrom('inbox_channels').select(['inbox_id', 'channel_id']).where('inbox_id', 'in', ids).execute(),
    db
      .selectFrom('inbox_agents as a')
      .innerJoin('users as u', 'u.id', 'a.user_id')
      .select(['a.inbox_id', 'a.user_id', 'u.name', 'u.email'])
      .select((eb) => openConversationsOfAgent(eb).as('open_conversations'))
      .where('a.inbox_id', 'in', ids)
      .orderBy('a.added_at')
      .orderBy('a.user_id')
      .execute(),
  ]);
  return inboxes.map((i) => ({
    id: i.id,
    name: i.name,
    emailAddress: i.email_address,
    channelIds: channels.filter((c) => c.inbox_id === i.id).map((c) => c.channel_id),
    agents: agents.filter((a) => a.inbox_id === i.id).map((a) => ({ userId: a.user_id, name: a.name, email: a.email, openConversations: Number(a.open_conversations ?? 0) })),
    assignment: i.assignment,
    agentCap: i.agent_cap,
    businessHours: i.business_hours as BusinessHours | null,
    timeZone: i.timezone,
    outOfOfficeMessage: i.out_of_office_message,
    sla: {
      firstResponseMinutes: i.sla_first_response_minutes,
      nextResponseMinutes: i.sla_next_response_minutes,
      resolutionMinutes: i.sla_resolution_minutes,
      businessHoursOnly: i.sla_business_hours_only,
    },
    csat: { enabled: i.csat_enabled, question: i.csat_question },
    openConversations: Number(i.open_conversations ?? 0),
  }));
}

export async function listInboxes(db: Db, place: InboxPlace) {
  return { inboxes: await listInboxRows(db, place) };
}

export async function getInbox(db: Db | Transaction<Database>, place: InboxPlace, inboxId: string) {
  const [inbox] = await listInboxRows(db, place, inboxId);
  if (!inbox) throw notFound('Inbox');
  return inbox;
}

/** Agents must be able to work conversations here: an effective role of member or admin in the workspace. */
async function checkAgents(trx: Transaction<Database>, place: InboxPlace, userIds: string[]) {
  if (userIds.length === 0) return;
  const rows = await trx
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.user_id', 'm.org_role', 'u.email'])
    .select((eb) => [
      eb.selectFrom('workspace_memberships').select('role').whereRef('user_id', '=', 'm.user_id').where('workspace_id', '=', place.workspaceId).as('workspace_role'),
      eb
        .selectFrom('workspace_memberships as gm')
        .innerJoin('workspaces as g', 'g.id', 'gm.workspace_id')
        .select('gm.role')
        .whereRef('gm.user_id', '=', 'm.user_id')
        .where('g.organisation_id', '=', place.organisationId)
        .where('g.kind', '=', 'global')
        .as('global_role'),
    ])
    .where('m.organisation_id', '=', place.organisationId)
    .where('m.user_id', 'in', userIds)
    .execute();
  for (const userId of userIds) {
    const row = rows.find((r) => r.user_id === userId);
    const role = row ? effectiveWorkspaceRole({ orgRole: row.org_role, globalRole: row.global_role, workspaceRole: row.workspace_role }) : null;
    if (!row) throw new AppError('BAD_REQUEST', `An agent (${userId}) is not a member of this organisation.`);
    if (role !== 'member' && role !== 'admin') throw new AppError('BAD_REQUEST', `${row.email} cannot be an agent here: agents need the member or admin role in this workspace.`);
  }
}

async function writeLinks(trx: Transaction<Database>, place: InboxPlace, inboxId: string, settings: Partial<InboxSettings>) {
  if (settings.channelIds) {
    const found = settings.channelIds.length
      ? await trx.selectFrom('channels').select('id').where('workspace_id', '=', place.workspaceId).where('id', 'in', settings.channelIds).execute()
      : [];
    if (found.length !== new Set(settings.channelIds).size) throw notFound('A channel');
    await trx.deleteFrom('inbox_channels').where('inbox_id', '=', inboxId).execute();
    if (found.length) await trx.insertInto('inbox_channels').values(found.map((c) => ({ workspace_id: place.workspaceId, inbox_id: inboxId, channel_id: c.id }))).execute();
  }
  if (settings.agentUserIds) {
    const wanted = [...new Set(settings.agentUserIds)];
    await checkAgents(trx, place, wanted);
    // Agents who stay keep their place in the round-robin order (added_at).
    await trx.deleteFrom('inbox_agents').where('inbox_id', '=', inboxId).$if(wanted.length > 0, (q) => q.where('user_id', 'not in', wanted)).execute();
    if (wanted.length) {
      const now = Date.now();
      await trx
        .insertInto('inbox_agents')
        .values(wanted.map((userId, i) => ({ workspace_id: place.workspaceId, inbox_id: inboxId, user_id: userId, added_at: new Date(now + i) })))
        .onConflict((oc) => oc.columns(['inbox_id', 'user_id']).doNothing())
        .execute();
    }
  }
}

function columnsOf(settings: Partial<InboxSettings>) {
  return {
    ...(settings.name !== undefined ? { name: settings.name } : {}),
    ...(settings.emailAddress !== undefined ? { email_address: settings.emailAddress } : {}),
    ...(settings.assignment !== undefined ? { assignment: settings.assignment } : {}),
    ...(settings.agentCap !== undefined ? { agent_cap: settings.agentCap } : {}),
    ...(settings.businessHours !== undefined ? { business_hours: JSON.stringify(cleanHours(settings.businessHours)) } : {}),
    ...(settings.outOfOfficeMessage !== undefined ? { out_of_office_message: settings.outOfOfficeMessage || null } : {}),
    ...(settings.sla !== undefined
      ? {
          sla_first_response_minutes: settings.sla.firstResponseMinutes,
          sla_next_response_minutes: settings.sla.nextResponseMinutes,
          sla_resolution_minutes: settings.sla.resolutionMinutes,
          sla_business_hours_only: settings.sla.businessHoursOnly,
        }
      : {}),
    ...(settings.csat !== undefined ? { csat_enabled: settings.csat.enabled, csat_question: settings.csat.question } : {}),
  };
}

async function withNameConflicts<T>(name: string | undefined, work: () => Promise<T>) {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error, 'inboxes_workspace_name_key')) throw new AppError('CONFLICT', `This workspace already has an inbox named '${name}'.`);
    throw error;
  }
}

export async function createInbox(db: Db, actor: Actor, place: InboxPlace, settings: InboxSettings) {
  return withNameConflicts(settings.name, () =>
    db.transaction().execute(async (trx) => {
      const created = await trx
        .insertInto('inboxes')
        .values({ organisation_id: place.organisationId, workspace_id: place.workspaceId, ...columnsOf(settings), name: settings.name })
        .returning('id')
        .executeTakeFirstOrThrow();
      await writeLinks(trx, place, created.id, settings);
      const inbox = await getInbox(trx, place, created.id);
      await recordAudit(trx, actor, { ...place, action: 'inboxes.create', targetType: 'inbox', targetId: created.id, after: inbox });
      return inbox;
    }),
  );
}

export async function updateInbox(db: Db, actor: Actor, place: InboxPlace, inboxId: string, changes: Partial<InboxSettings>) {
  return withNameConflicts(changes.name, () =>
    db.transaction().execute(async (trx) => {
      // The inbox row lock: assignment reads agents and the cursor under it.
      const locked = await trx.selectFrom('inboxes').select('id').where('id', '=', inboxId).where('workspace_id', '=', place.workspaceId).forUpdate().executeTakeFirst();
      if (!locked) throw notFound('Inbox');
      const before = await getInbox(trx, place, inboxId);
      const columns = columnsOf(changes);
      if (Object.keys(columns).length) await trx.updateTable('inboxes').set({ ...columns, updated_at: new Date() }).where('id', '=', inboxId).execute();
      await writeLinks(trx, place, inboxId, changes);
      const after = await getInbox(trx, place, inboxId);
      await recordAudit(trx, actor, { ...place, action: 'inboxes.update', targetType: 'inbox', targetId: inboxId, before, after });
      return after;
    }),
  );
}

export async function deleteInbox(db: Db, actor: Actor, place: InboxPlace, inboxId: string) {
  return db.transaction().execute(async (trx) => {
    const before = await getInbox(trx, place, inboxId);
    await trx.deleteFrom('inboxes').where('id', '=', inboxId).where('workspace_id', '=', place.workspaceId).execute();
    await recordAudit(trx, actor, { ...place, action: 'inboxes.delete', targetType: 'inbox', targetId: inboxId, before: { name: before.name, openConversations: before.openConversations } });
    return { inboxId };
  });
}
