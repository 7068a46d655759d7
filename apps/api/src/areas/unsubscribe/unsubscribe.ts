import type { CategoryChoice, ConsentSource, Database, Db, Transaction, WorkspaceSubscription } from '@steward/db';
import { sql } from '@steward/db';
import { type OutsideActor, recordAudit } from '../audit/record.js';
import { type ConsentChange, recordConsentChanges } from '../consent/consent.js';
import type { UnsubscribeTarget } from './tokens.js';

/**
 * What a person does with the signed link of a campaign email, without signing in: the one-click
 * unsubscribe from the email's category (RFC 8058), and the page of their choices for every
 * workspace that has emailed them. Reading the page changes nothing. Each change is written to the
 * consent history as "unsubscribe link" (no user, no key) and to the audit log, in one transaction
 * with the change, under a lock on the person's row.
 */

export interface RequestMeta {
  requestId: string | null;
  ip: string | null;
}

const personActor = (meta: RequestMeta, via: OutsideActor['via'] = 'unsubscribe link'): OutsideActor => ({ userId: null, via, ...meta });
const authorOf = (organisationId: string, source: ConsentSource) => ({ organisationId, source, userId: null, apiKeyId: null });

type Handle = Db | Transaction<Database>;

export interface OneClickOutcome {
  /** False when the person or the category no longer exists (nothing more can reach them from it). */
  found: boolean;
  changed: boolean;
  categoryName: string | null;
  workspaceName: string | null;
}

/** Unsubscribes the person from the token's category, at once; doing it again changes nothing. */
export async function oneClickUnsubscribe(db: Db, target: UnsubscribeTarget, meta: RequestMeta): Promise<OneClickOutcome> {
  return db.transaction().execute(async (trx) => {
    const found = await trx
      .selectFrom('contacts as c')
      .innerJoin('email_categories as ec', 'ec.organisation_id', 'c.organisation_id')
      .innerJoin('workspaces as w', 'w.id', 'ec.workspace_id')
      .leftJoin('contact_categories as cc', (j) => j.onRef('cc.category_id', '=', 'ec.id').onRef('cc.contact_id', '=', 'c.id'))
      .select(['c.organisation_id as organisationId', 'ec.name as categoryName', 'w.name as workspaceName', 'cc.status as choice'])
      .where('c.id', '=', target.contactId)
      .where('ec.id', '=', target.categoryId)
      .where('ec.workspace_id', '=', target.workspaceId)
      .forUpdate('c')
      .executeTakeFirst();
    if (!found) return { found: false, changed: false, categoryName: null, workspaceName: null };
    const outcome = { found: true, categoryName: found.categoryName, workspaceName: found.workspaceName };
    if (found.choice === 'unsubscribed') return { ...outcome, changed: false };
    await setCategoryChoices(trx, found.organisationId, target.contactId, [{ categoryId: target.categoryId, status: 'unsubscribed' }]);
    const change: ConsentChange = { contactId: target.contactId, level: 'category', workspaceId: target.workspaceId, categoryId: target.categoryId, previous: found.choice, status: 'unsubscribed' };
    await recordConsentChanges(trx, authorOf(found.organisationId, 'unsubscribe_link'), [change]);
    await recordAudit(trx, personActor(meta), {
      organisationId: found.organisationId,
      workspaceId: target.workspaceId,
      action: 'consent.oneClickUnsubscribe',
      targetType: 'contact',
      targetId: target.contactId,
      before: { categories: { [target.categoryId]: found.choice } },
      after: { categories: { [target.categoryId]: 'unsubscribed' }, campaignId: target.campaignId },
    });
    return { ...outcome, changed: true };
  });
}

async function setCategoryChoices(trx: Transaction<Database>, organisationId: string, contactId: string, choices: { categoryId: string; status: CategoryChoice }[]) {
  if (choices.length === 0) return;
  await trx
    .insertInto('contact_categories')
    .values(choices.map((c) => ({ category_id: c.categoryId, contact_id: contactId, organisation_id: organisationId, status: c.status })))
    .onConflict((oc) => oc.columns(['category_id', 'contact_id']).doUpdateSet((eb) => ({ status: eb.ref('excluded.status'), updated_at: sql<Date>`now()` })))
    .execute();
}

export interface PreferenceCategory {
  id: string;
  name: string;
  description: string | null;
  subscribedByDefault: boolean;
  choice: CategoryChoice | null;
  /** Whether the person takes this category, at its own level (their choice, else its default). */
  ticked: boolean;
}

export interface PreferenceWorkspace {
  id: string;
  name: string;
  /** False once the person was removed from the workspace: it sends them nothing. */
  linked: boolean;
  subscription: WorkspaceSubscription | null;
  categories: PreferenceCategory[];
}

export interface Preferences {
  organisationId: string;
  organisationName: string;
  globallyUnsubscribed: boolean;
  /** The token's workspace first, then every other workspace that has sent them a campaign. */
  workspaces: PreferenceWorkspace[];
  /** The token's category, when it still exists. */
  category: { id: string; name: string; workspaceId: string } | null;
}

/** The person's choices for the page; null when the person no longer exists. Reads only. */
export async function readPreferences(db: Handle, target: UnsubscribeTarget): Promise<Preferences | null> {
  const contact = await db
    .selectFrom('contacts as c')
    .innerJoin('organisations as o', 'o.id', 'c.organisation_id')
    .select(['c.organisation_id as organisationId', 'o.name as organisationName', 'c.unsubscribed_at'])
    .where('c.id', '=', target.contactId)
    .executeTakeFirst();
  if (!contact) return null;
  const workspaces = await db
    .selectFrom('workspaces as w')
    .leftJoin('contact_workspaces as cw', (j) => j.onRef('cw.workspace_id', '=', 'w.id').on('cw.contact_id', '=', target.contactId))
    .select(['w.id', 'w.name', 'cw.contact_id as linkedContact', 'cw.subscription'])
    .where('w.organisation_id', '=', contact.organisationId)
    .where((eb) =>
      eb.or([
        eb('w.id', '=', target.workspaceId),
        eb.exists(
          eb
            .selectFrom('campaign_recipients as r')
            .innerJoin('campaigns as ca', 'ca.id', 'r.campaign_id')
            .select(sql`1`.as('one'))
            .where('r.contact_id', '=', target.contactId)
            .where('r.state', '=', 'sent')
            .whereRef('ca.workspace_id', '=', 'w.id'),
        ),
      ]),
    )
    .orderBy(sql`w.id = ${target.workspaceId}::uuid`, 'desc')
    .orderBy('w.name')
    .execute();
  const ids = workspaces.map((w) => w.id);
  const categories = ids.length
    ? await db
        .selectFrom('email_categories as ec')
        .leftJoin('contact_categories as cc', (j) => j.onRef('cc.category_id', '=', 'ec.id').on('cc.contact_id', '=', target.contactId))
        .select(['ec.id', 'ec.workspace_id', 'ec.name', 'ec.description', 'ec.subscribed_by_default', 'cc.status as choice'])
        .where('ec.workspace_id', 'in', ids)
        .where('ec.archived_at', 'is', null)
        .orderBy('ec.position')
        .orderBy('ec.name')
        .execute()
    : [];
  const tokenCategory = await db.selectFrom('email_categories').select(['id', 'name', 'workspace_id']).where('id', '=', target.categoryId).where('workspace_id', '=', target.workspaceId).executeTakeFirst();
  return {
    organisationId: contact.organisationId,
    organisationName: contact.organisationName,
    globallyUnsubscribed: contact.unsubscribed_at !== null,
    category: tokenCategory && ids.includes(tokenCategory.workspace_id) ? { id: tokenCategory.id, name: tokenCategory.name, workspaceId: tokenCategory.workspace_id } : null,
    workspaces: workspaces.map((w) => ({
      id: w.id,
      name: w.name,
      linked: w.linkedContact !== null,
      subscription: w.subscription,
      categories: categories
        .filter((c) => c.workspace_id === w.id)
        .map((c) => ({
          id: c.id,
          name: c.name,
          description: c.description,
          subscribedByDefault: c.subscribed_by_default,
          choice: c.choice,
          ticked: c.choice ? c.choice === 'subscribed' : c.subscribed_by_default,
        })),
    })),
  };
}

/**
 * The page's form, as posted. Each part is optional and only what is posted is changed:
 * - `everything`: `leave` (nothing from anyone in the organisation) or `stay` (lifts it);
 * - `workspace:<id>`: `leave` (nothing from that workspace) or `receive` (back, as an explicit opt-in);
 * - `shown`: the categories the form showed; of those, the ones in `receive` are taken, the others not.
 * Only workspaces and categories the page offers this person are touched; anything else posted is ignored.
 */
export interface PreferenceForm {
  everything: 'leave' | 'stay' | null;
  workspaces: Map<string, 'leave' | 'receive'>;
  shown: Set<string>;
  receive: Set<string>;
}

export function readPreferenceForm(form: URLSearchParams): PreferenceForm {
  const everything = form.get('everything');
  const workspaces = new Map<string, 'leave' | 'receive'>();
  for (const [name, value] of form) {
    const match = /^workspace:(.+)$/.exec(name);
    if (match && (value === 'leave' || value === 'receive')) workspaces.set(match[1]!, value);
  }
  return {
    everything: everything === 'leave' || everything === 'stay' ? everything : null,
    workspaces,
    shown: new Set(form.getAll('shown')),
    receive: new Set(form.getAll('receive')),
  };
}

/** Applies the form; answers how many changes were made (0 when everything already was so). */
export async function savePreferences(db: Db, target: UnsubscribeTarget, form: PreferenceForm, meta: RequestMeta): Promise<number | null> {
  return db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('contacts').select('id').where('id', '=', target.contactId).forUpdate().executeTakeFirst();
    if (!locked) return null;
    const current = (await readPreferences(trx, target))!;
    const changes: ConsentChange[] = [];
    const contactId = target.contactId;

    if (form.everything && (form.everything === 'leave') !== current.globallyUnsubscribed) {
      const leave = form.everything === 'leave';
      await trx
        .updateTable('contacts')
        .set({ unsubscribed_at: leave ? sql<Date>`now()` : null })
        .where('id', '=', contactId)
        .execute();
      changes.push({ contactId, level: 'global', workspaceId: null, categoryId: null, previous: leave ? 'neutral' : 'unsubscribed', status: leave ? 'unsubscribed' : 'neutral' });
    }

    for (const workspace of current.workspaces.filter((w) => w.linked)) {
      const wanted = form.workspaces.get(workspace.id);
      const next: WorkspaceSubscription | null =
        wanted === 'leave' && workspace.subscription !== 'unsubscribed' ? 'unsubscribed' : wanted === 'receive' && workspace.subscription === 'unsubscribed' ? 'subscribed' : null;
      if (next) {
        await trx
          .updateTable('contact_workspaces')
          .set({ subscription: next, updated_at: sql<Date>`now()` })
          .where('workspace_id', '=', workspace.id)
          .where('contact_id', '=', contactId)
          .execute();
        changes.push({ contactId, level: 'workspace', workspaceId: workspace.id, categoryId: null, previous: workspace.subscription, status: next });
      }
      const choices = workspace.categories
        .filter((c) => form.shown.has(c.id) && form.receive.has(c.id) !== c.ticked)
        .map((c) => ({ category: c, status: (form.receive.has(c.id) ? 'subscribed' : 'unsubscribed') as CategoryChoice }));
      await setCategoryChoices(
        trx,
        current.organisationId,
        contactId,
        choices.map((c) => ({ categoryId: c.category.id, status: c.status })),
      );
      for (const c of choices) changes.push({ contactId, level: 'category', workspaceId: workspace.id, categoryId: c.category.id, previous: c.category.choice, status: c.status });
    }

    if (changes.length === 0) return 0;
    await recordConsentChanges(trx, authorOf(current.organisationId, 'unsubscribe_link'), changes);
    await recordAudit(trx, personActor(meta), {
      organisationId: current.organisationId,
      workspaceId: target.workspaceId,
      action: 'consent.unsubscribePage',
      targetType: 'contact',
      targetId: contactId,
      before: changes.map((c) => ({ level: c.level, workspaceId: c.workspaceId, categoryId: c.categoryId, status: c.previous })),
      after: changes.map((c) => ({ level: c.level, workspaceId: c.workspaceId, categoryId: c.categoryId, status: c.status })),
    });
    return changes.length;
  });
}

/**
 * A provider's report that a person unsubscribed or complained of spam: every matching person is
 * unsubscribed globally in their organisation (a complaint means "stop everything"; MailerSend's own
 * unsubscribe suppresses the address for the whole sending account anyway). With the campaign the
 * message was tagged with, that campaign's recipient of the address; without it, every person with
 * that address now who has been sent a campaign. Signed with an organisation's own webhook secret,
 * the event acts in that organisation only. The event's id is recorded in the same transaction: the
 * same event delivered again changes nothing.
 */
export async function applyProviderOptOut(
  db: Db,
  event: { provider: string; eventId: string; email: string; campaignId: string | null; kind: string },
  /** The organisation whose own webhook secret signed the event (it acts there only); null: the server's. */
  organisationId: string | null,
  meta: RequestMeta,
): Promise<{ duplicate: boolean; unsubscribed: number }> {
  return db.transaction().execute(async (trx) => {
    const fresh = await trx
      .insertInto('provider_webhook_events')
      .values({ provider: event.provider, event_id: organisationId ? `${organisationId}/${event.eventId}` : event.eventId })
      .onConflict((oc) => oc.doNothing())
      .returning('event_id')
      .executeTakeFirst();
    if (!fresh) return { duplicate: true, unsubscribed: 0 };
    // Tagged: that campaign's recipient of the address (its unique index on the lower-cased address).
    // Untagged: the people of that address in each organisation (its unique index per organisation)
    // who were sent a campaign.
    const { rows: found } = event.campaignId
      ? await sql<{ id: string }>`
          select r.contact_id as id from campaign_recipients r
          join campaigns ca on ca.id = r.campaign_id
          where r.campaign_id = ${event.campaignId}::uuid and lower(r.email) = lower(${event.email}) and r.state = 'sent'
            and (${organisationId}::uuid is null or ca.organisation_id = ${organisationId}::uuid)`.execute(trx)
      : await sql<{ id: string }>`
          select c.id from organisations o
          cross join lateral (select c.id from contacts c where c.organisation_id = o.id and lower(c.email) = lower(${event.email})) c
          where (${organisationId}::uuid is null or o.id = ${organisationId}::uuid)
            and exists (select 1 from campaign_recipients r where r.contact_id = c.id and r.state = 'sent')`.execute(trx);
    const ids = found.map((p) => p.id);
    if (ids.length === 0) return { duplicate: false, unsubscribed: 0 };
    const locked = await trx.selectFrom('contacts').select(['id', 'organisation_id as organisationId']).where('id', 'in', ids).where('unsubscribed_at', 'is', null).orderBy('id').forUpdate().execute();
    if (locked.length === 0) return { duplicate: false, unsubscribed: 0 };
    await trx
      .updateTable('contacts')
      .set({ unsubscribed_at: sql<Date>`now()` })
      .where('id', 'in', locked.map((p) => p.id))
      .execute();
    for (const person of locked) {
      await recordConsentChanges(trx, authorOf(person.organisationId, 'provider_webhook'), [
        { contactId: person.id, level: 'global', workspaceId: null, categoryId: null, previous: 'neutral', status: 'unsubscribed' },
      ]);
      await recordAudit(trx, personActor(meta, 'provider webhook'), {
        organisationId: person.organisationId,
        action: 'consent.providerOptOut',
        targetType: 'contact',
        targetId: person.id,
        before: { globallyUnsubscribed: false },
        after: { globallyUnsubscribed: true, provider: event.provider, event: event.kind, campaignId: event.campaignId },
      });
    }
    return { duplicate: false, unsubscribed: locked.length };
  });
}
