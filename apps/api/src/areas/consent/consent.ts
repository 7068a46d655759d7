import { type CategoryChoice, type ConsentLevel, type ConsentSource, type Database, type Db, sql, type Transaction, type WorkspaceSubscription } from '@steward/db';
import { workspaceRoleCan } from '../../access/matrix.js';
import { AppError, notFound } from '../../errors.js';
import { type Actor, recordAudit } from '../audit/record.js';
import { emitConsentChanges } from '../webhooks/emit.js';
import { CONTACT_BUILT_INS, contactValuesColumn, type RecordCaller } from '../records/contacts.js';
import { compileFilters, type RecordPlace, visibleDefinitions } from '../records/filters.js';
import { assertMayEdit } from '../records/ownership.js';
import type { Filter } from '../records/schemas.js';
import { consentFilters, consentReason, RECEIVING_REASONS } from './effective.js';
import type { BulkConsentChange, ConsentReason } from './schemas.js';

/**
 * A contact's consent as one workspace sees it, its changes, and its history. Every change at any
 * level writes a `consent_history` row in the same transaction (and the audit log an entry).
 */

/** How a change came: through the console (a session) or the REST API (a bearer key). */
export const sourceOf = (actor: Actor): ConsentSource => (actor.apiKeyId ? 'api' : 'console');

export interface ConsentChange {
  contactId: string;
  level: ConsentLevel;
  workspaceId: string | null;
  categoryId: string | null;
  previous: string | null;
  status: string;
}

/** Who made a change and how; the user and key are null for the person themself (an unsubscribe link). */
export interface ConsentAuthor {
  organisationId: string;
  source: ConsentSource;
  userId: string | null;
  apiKeyId: string | null;
}

/** Appends history rows, in the caller's transaction. */
export async function recordConsentChanges(trx: Transaction<Database>, author: ConsentAuthor, changes: ConsentChange[]) {
  if (changes.length === 0) return;
  await trx
    .insertInto('consent_history')
    .values(
      changes.map((c) => ({
        organisation_id: author.organisationId,
        contact_id: c.contactId,
        workspace_id: c.workspaceId,
        category_id: c.categoryId,
        level: c.level,
        previous: c.previous,
        status: c.status,
        source: author.source,
        actor_user_id: author.userId,
        actor_api_key_id: author.apiKeyId,
      })),
    )
    .execute();
  await emitConsentChanges(trx, author.organisationId, author.source, changes);
}

const authorOf = (actor: Actor, organisationId: string, source = sourceOf(actor)): ConsentAuthor => ({ organisationId, source, userId: actor.userId, apiKeyId: actor.apiKeyId });

/** The person and their link to the workspace; NOT_FOUND when not linked here. Locked when `lock`. */
async function linkedContact(db: Db | Transaction<Database>, place: RecordPlace, contactId: string, lock = false) {
  let query = db
    .selectFrom('contact_workspaces as cw')
    .innerJoin('contacts as c', 'c.id', 'cw.contact_id')
    .select(['c.id', 'c.unsubscribed_at', 'cw.subscription', 'cw.created_by', 'cw.assignee_user_id'])
    .where('cw.workspace_id', '=', place.workspaceId)
    .where('c.organisation_id', '=', place.organisationId)
    .where('c.id', '=', contactId);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Contact');
  return row;
}

/**
 * The contact's consent in this workspace: the global unsubscribe, the workspace switch, and each
 * category (every active one, and archived ones the person made a choice for) with its effective state.
 */
export async function readConsent(db: Db | Transaction<Database>, place: RecordPlace, contactId: string) {
  const contact = await linkedContact(db, place, contactId);
  const { rows } = await sql<{ categoryId: string; name: string; archived: boolean; subscribedByDefault: boolean; choice: CategoryChoice | null; reason: ConsentReason }>`
    select ec.id as "categoryId", ec.name, ec.archived_at is not null as archived, ec.subscribed_by_default as "subscribedByDefault",
      cc.status as choice, ${consentReason} as reason
    from email_categories ec
    join contacts c on c.id = ${contactId}::uuid
    join contact_workspaces cw on cw.workspace_id = ec.workspace_id and cw.contact_id = c.id
    left join contact_categories cc on cc.category_id = ec.id and cc.contact_id = c.id
    where ec.workspace_id = ${place.workspaceId}::uuid and (ec.archived_at is null or cc.status is not null)
    order by ec.position, ec.name`.execute(db);
  return {
    contactId,
    globallyUnsubscribed: contact.unsubscribed_at !== null,
    globallyUnsubscribedAt: contact.unsubscribed_at,
    workspace: contact.subscription,
    categories: rows.map((row) => ({ ...row, receives: RECEIVING_REASONS.includes(row.reason) })),
  };
}

export interface ConsentPatch {
  globallyUnsubscribed?: boolean;
  workspace?: WorkspaceSubscription;
  categories?: { categoryId: string; status: CategoryChoice }[];
}

/** What an audit entry keeps of a consent state: levels, not names. */
const auditedConsent = (consent: Awaited<ReturnType<typeof readConsent>>) => ({
  globallyUnsubscribed: consent.globallyUnsubscribed,
  workspace: consent.workspace,
  categories: Object.fromEntries(consent.categories.map((c) => [c.categoryId, c.choice])),
});

/**
 * Changes a contact's consent in this workspace, under the same ownership rule as other edits of
 * the record. Lifting a global unsubscribe (the person asked for nothing from anyone) is for the
 * workspace's admins only. Subscribing to an archived category is refused; unsubscribing is not.
 * Only actual changes are written; nothing to change writes nothing.
 */
export async function setConsent(db: Db, actor: Actor, caller: RecordCaller, contactId: string, patch: ConsentPatch, source = sourceOf(actor)) {
  const { place } = caller;
  return db.transaction().execute(async (trx) => {
    const current = await linkedContact(trx, place, contactId, true);
    assertMayEdit(caller, current);
    const changes: ConsentChange[] = [];

    const wasUnsubscribed = current.unsubscribed_at !== null;
    if (patch.globallyUnsubscribed !== undefined && patch.globallyUnsubscribed !== wasUnsubscribed) {
      if (!patch.globallyUnsubscribed && !workspaceRoleCan(caller.role, 'records.editAny')) {
        throw new AppError('FORBIDDEN', 'Only admins can lift a global unsubscribe: the person asked to receive nothing from anyone.');
      }
      await trx
        .updateTable('contacts')
        .set({ unsubscribed_at: patch.globallyUnsubscribed ? sql<Date>`now()` : null })
        .where('id', '=', contactId)
        .execute();
      changes.push({ contactId, level: 'global', workspaceId: null, categoryId: null, previous: wasUnsubscribed ? 'unsubscribed' : 'neutral', status: patch.globallyUnsubscribed ? 'unsubscribed' : 'neutral' });
    }

    if (patch.workspace !== undefined && patch.workspace !== current.subscription) {
      await trx
        .updateTable('contact_workspaces')
        .set({ subscription: patch.workspace, updated_at: sql<Date>`now()` })
        .where('workspace_id', '=', place.workspaceId)
        .where('contact_id', '=', contactId)
        .execute();
      changes.push({ contactId, level: 'workspace', workspaceId: place.workspaceId, categoryId: null, previous: current.subscription, status: patch.workspace });
    }

    if (patch.categories && patch.categories.length > 0) {
      const ids = patch.categories.map((c) => c.categoryId);
      const categories = await trx
        .selectFrom('email_categories as ec')
        .leftJoin('contact_categories as cc', (j) => j.onRef('cc.category_id', '=', 'ec.id').on('cc.contact_id', '=', contactId))
        .select(['ec.id', 'ec.name', 'ec.archived_at', 'cc.status'])
        .where('ec.workspace_id', '=', place.workspaceId)
        .where('ec.id', 'in', ids)
        .forShare(['ec'])
        .execute();
      if (categories.length !== ids.length) throw notFound('Email category');
      const byId = new Map(categories.map((c) => [c.id, c]));
      const chosen = patch.categories.filter((c) => byId.get(c.categoryId)!.status !== c.status);
      const archived = chosen.find((c) => c.status === 'subscribed' && byId.get(c.categoryId)!.archived_at !== null);
      if (archived) throw new AppError('BAD_REQUEST', `'${byId.get(archived.categoryId)!.name}' is archived: restore it before subscribing anyone to it.`);
      if (chosen.length > 0) {
        await trx
          .insertInto('contact_categories')
          .values(chosen.map((c) => ({ category_id: c.categoryId, contact_id: contactId, organisation_id: place.organisationId, status: c.status })))
          .onConflict((oc) => oc.columns(['category_id', 'contact_id']).doUpdateSet((eb) => ({ status: eb.ref('excluded.status'), updated_at: sql<Date>`now()` })))
          .execute();
        for (const c of chosen) {
          changes.push({ contactId, level: 'category', workspaceId: place.workspaceId, categoryId: c.categoryId, previous: byId.get(c.categoryId)!.status, status: c.status });
        }
      }
    }

    const after = await readConsent(trx, place, contactId);
    if (changes.length === 0) return after;
    await recordConsentChanges(trx, authorOf(actor, place.organisationId, source), changes);
    const before = {
      globallyUnsubscribed: wasUnsubscribed,
      workspace: current.subscription,
      categories: Object.fromEntries(changes.filter((c) => c.level === 'category').map((c) => [c.categoryId, c.previous])),
    };
    await recordAudit(trx, actor, { organisationId: place.organisationId, workspaceId: place.workspaceId, action: 'consent.set', targetType: 'contact', targetId: contactId, before, after: auditedConsent(after) });
    return after;
  });
}

/**
 * One change for every contact of the workspace matching the list's filters (records/filters.ts,
 * consent filters included), in one statement: the matching links are locked, the rows whose
 * state differs changed, and a history row written for each, all in one transaction.
 */
export async function bulkSetConsent(db: Db, actor: Actor, caller: RecordCaller, filters: Filter[], change: BulkConsentChange) {
  const { place } = caller;
  return db.transaction().execute(async (trx) => {
    const fields = await visibleDefinitions(trx, place, 'contact');
    const conditions = compileFilters(filters, CONTACT_BUILT_INS, fields, contactValuesColumn, await consentFilters(trx, place, filters));
    let matching = trx
      .selectFrom('contact_workspaces as cw')
      .innerJoin('contacts as c', 'c.id', 'cw.contact_id')
      .where('cw.workspace_id', '=', place.workspaceId)
      .where('c.organisation_id', '=', place.organisationId);
    for (const condition of conditions) matching = matching.where(condition);
    const author = authorOf(actor, place.organisationId);
    const history = (level: ConsentLevel, workspaceId: string | null, categoryId: string | null) => sql`
      insert into consent_history (organisation_id, contact_id, workspace_id, category_id, level, previous, status, source, actor_user_id, actor_api_key_id)
      select ${author.organisationId}::uuid, t.id, ${workspaceId}::uuid, ${categoryId}::uuid, ${level}, t.previous, ${statusOf(change)}, ${author.source}, ${author.userId}::uuid, ${author.apiKeyId}::uuid
      from changed join target t on t.id = changed.id`;

    let statement;
    if (change.level === 'global') {
      const target = matching.select(['c.id', sql<string>`case when c.unsubscribed_at is null then 'neutral' else 'unsubscribed' end`.as('previous')]).forUpdate(['c']);
      statement = sql<{ matched: string; changed: string; changes: { contactId: string; previous: string | null }[] }>`
        with target as (${target}),
        changed as (
          update contacts c set unsubscribed_at = ${change.globallyUnsubscribed ? sql`now()` : sql`null`}
          from target t where c.id = t.id and t.previous <> ${statusOf(change)}
          returning c.id),
        logged as (${history('global', null, null)})
        select (select count(*) from target) as matched, (select count(*) from changed) as changed,
          (select coalesce(json_agg(json_build_object('contactId', t.id, 'previous', t.previous)), '[]'::json) from changed join target t on t.id = changed.id) as changes`;
    } else if (change.level === 'workspace') {
      const target = matching.select(['c.id', 'cw.subscription as previous']).forUpdate(['cw']);
      statement = sql<{ matched: string; changed: string; changes: { contactId: string; previous: string | null }[] }>`
        with target as (${target}),
        changed as (
          update contact_workspaces cw set subscription = ${change.status}, updated_at = now()
          from target t where cw.workspace_id = ${place.workspaceId}::uuid and cw.contact_id = t.id and t.previous <> ${change.status}
          returning cw.contact_id as id),
        logged as (${history('workspace', place.workspaceId, null)})
        select (select count(*) from target) as matched, (select count(*) from changed) as changed,
          (select coalesce(json_agg(json_build_object('contactId', t.id, 'previous', t.previous)), '[]'::json) from changed join target t on t.id = changed.id) as changes`;
    } else {
      const category = await trx.selectFrom('email_categories').select(['id', 'name', 'archived_at']).where('id', '=', change.categoryId).where('workspace_id', '=', place.workspaceId).forShare().executeTakeFirst();
      if (!category) throw notFound('Email category');
      if (category.archived_at && change.status === 'subscribed') throw new AppError('BAD_REQUEST', `'${category.name}' is archived: restore it before subscribing anyone to it.`);
      const target = matching
        .select(['c.id', sql<string | null>`(select cc.status from contact_categories cc where cc.category_id = ${category.id}::uuid and cc.contact_id = c.id)`.as('previous')])
        .forUpdate(['cw']);
      statement = sql<{ matched: string; changed: string; changes: { contactId: string; previous: string | null }[] }>`
        with target as (${target}),
        changed as (
          insert into contact_categories (category_id, contact_id, organisation_id, status)
          select ${category.id}::uuid, t.id, ${place.organisationId}::uuid, ${change.status} from target t where t.previous is distinct from ${change.status}
          on conflict (category_id, contact_id) do update set status = excluded.status, updated_at = now()
          returning contact_id as id),
        logged as (${history('category', place.workspaceId, category.id)})
        select (select count(*) from target) as matched, (select count(*) from changed) as changed,
          (select coalesce(json_agg(json_build_object('contactId', t.id, 'previous', t.previous)), '[]'::json) from changed join target t on t.id = changed.id) as changes`;
    }
    const counts = (await statement.execute(trx)).rows[0]!;
    // The webhooks hear of each contact whose consent changed, as from a single change.
    await emitConsentChanges(
      trx,
      place.organisationId,
      author.source,
      counts.changes.map((c) => ({ contactId: c.contactId, level: change.level, workspaceId: change.level === 'global' ? null : place.workspaceId, categoryId: change.level === 'category' ? change.categoryId : null, previous: c.previous, status: statusOf(change) })),
    );
    const outcome = { matched: Number(counts.matched), changed: Number(counts.changed) };
    await recordAudit(trx, actor, { organisationId: place.organisationId, workspaceId: place.workspaceId, action: 'consent.bulkSet', targetType: 'contact', after: { filters, change, ...outcome } });
    return outcome;
  });
}

function statusOf(change: BulkConsentChange): string {
  if (change.level === 'global') return change.globallyUnsubscribed ? 'unsubscribed' : 'neutral';
  return change.status;
}

/** The history of a contact's consent as this workspace may see it: the global level and its own. */
export async function consentHistory(db: Db, place: RecordPlace, contactId: string, page: { limit: number; before?: string }) {
  await linkedContact(db, place, contactId);
  let query = db
    .selectFrom('consent_history as h')
    .leftJoin('email_categories as ec', 'ec.id', 'h.category_id')
    .leftJoin('users as u', 'u.id', 'h.actor_user_id')
    .select([
      'h.id',
      'h.occurred_at as occurredAt',
      'h.level',
      'h.category_id as categoryId',
      'ec.name as categoryName',
      'h.previous',
      'h.status',
      'h.source',
      'h.actor_user_id as actorUserId',
      'u.name as actorName',
      'u.email as actorEmail',
      'h.actor_api_key_id as actorApiKeyId',
    ])
    .where('h.contact_id', '=', contactId)
    .where('h.organisation_id', '=', place.organisationId)
    .where((eb) => eb.or([eb('h.workspace_id', 'is', null), eb('h.workspace_id', '=', place.workspaceId)]))
    .orderBy('h.id', 'desc')
    .limit(page.limit + 1);
  if (page.before) query = query.where('h.id', '<', page.before);
  const rows = await query.execute();
  const entries = rows.slice(0, page.limit).map((r) => ({ ...r, id: String(r.id) }));
  return { entries, nextBefore: rows.length > page.limit ? entries.at(-1)!.id : null };
}
