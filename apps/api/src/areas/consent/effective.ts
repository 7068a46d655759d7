import { type Database, type Db, sql, type Transaction, WORKSPACE_SUBSCRIPTIONS } from '@steward/db';
import type { RawBuilder } from 'kysely';
import { AppError, notFound } from '../../errors.js';
import type { OwnFilters, RecordPlace } from '../records/filters.js';
import type { Filter } from '../records/schemas.js';
import type { ConsentReason } from './schemas.js';

/**
 * Effective consent, decided in SQL in seed 000's order of authority (migrations/0011_consent.ts):
 * the global unsubscribe, then the link to the workspace (none, or switched to unsubscribed),
 * then the person's choice for the category, then the category's default. The first level that
 * speaks decides. Campaign sending asks `effectiveConsent` (or joins `receivesCategory`); contact
 * lists filter with the same expression.
 */

export interface CategoryRef {
  id: string;
  subscribedByDefault: boolean;
}

/**
 * Whether contact `c`, seen through its link `cw` (which may be a left join's nulls), receives the
 * category. Two-valued (never null) and a plain conjunction, so the planner turns the choice into
 * a semi-join (default off) or an anti-join (default on) on `contact_categories`' primary key.
 */
export function receivesCategory(category: CategoryRef): RawBuilder<boolean> {
  const choice = category.subscribedByDefault
    ? sql`not exists (select 1 from contact_categories cc where cc.category_id = ${category.id}::uuid and cc.contact_id = c.id and cc.status = 'unsubscribed')`
    : sql`exists (select 1 from contact_categories cc where cc.category_id = ${category.id}::uuid and cc.contact_id = c.id and cc.status = 'subscribed')`;
  return sql<boolean>`(c.unsubscribed_at is null and cw.contact_id is not null and cw.subscription is distinct from 'unsubscribed' and ${choice})`;
}

/** The first level that decides, over `c` (contact), `cw` (link, maybe null), `cc` (choice, maybe null) and `ec` (category). */
export const consentReason = sql<ConsentReason>`case
  when c.unsubscribed_at is not null then 'globally_unsubscribed'
  when cw.contact_id is null then 'not_linked'
  when cw.subscription = 'unsubscribed' then 'workspace_unsubscribed'
  when cc.status = 'unsubscribed' then 'category_unsubscribed'
  when cc.status = 'subscribed' then 'category_subscribed'
  when ec.subscribed_by_default then 'default_subscribed'
  else 'default_not_subscribed' end`;

export const RECEIVING_REASONS: readonly ConsentReason[] = ['category_subscribed', 'default_subscribed'];

export interface ConsentDecision {
  receives: boolean;
  reason: ConsentReason;
}

/**
 * Who among `contactIds` may receive an email of the category, with the level that decided.
 * Ids that are not people of the category's organisation are answered `not_linked`. The category
 * must belong to the workspace (NOT_FOUND otherwise); archived categories are answered as any other.
 */
export async function effectiveConsent(db: Db | Transaction<Database>, workspaceId: string, categoryId: string, contactIds: string[]): Promise<Map<string, ConsentDecision>> {
  const category = await db.selectFrom('email_categories').select(['id', 'organisation_id']).where('id', '=', categoryId).where('workspace_id', '=', workspaceId).executeTakeFirst();
  if (!category) throw notFound('Email category');
  const decisions = new Map<string, ConsentDecision>(contactIds.map((id) => [id, { receives: false, reason: 'not_linked' }]));
  if (contactIds.length === 0) return decisions;
  const { rows } = await sql<{ id: string; reason: ConsentReason }>`
    select c.id, ${consentReason} as reason
    from email_categories ec
    join contacts c on c.organisation_id = ec.organisation_id and c.id = any(${contactIds}::uuid[])
    left join contact_workspaces cw on cw.workspace_id = ec.workspace_id and cw.contact_id = c.id
    left join contact_categories cc on cc.category_id = ec.id and cc.contact_id = c.id
    where ec.id = ${categoryId}::uuid`.execute(db);
  for (const row of rows) decisions.set(row.id, { receives: RECEIVING_REASONS.includes(row.reason), reason: row.reason });
  return decisions;
}

// --- contact list filters ------------------------------------------------------------------------

const CATEGORY_FILTER = /^consent:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * The consent filters of contact lists, over `c` and `cw`:
 * - `globallyUnsubscribed`: `eq` true/false (`set` / `notSet` say the same);
 * - `workspaceSubscription`: `eq` / `anyOf` among subscribed, unsubscribed, neutral; `set` /
 *   `notSet`: whether they chose (anything but neutral);
 * - `consent:<categoryId>`: `eq` true/false — whether a campaign of the category reaches them now
 *   (the whole order of authority); `set` / `notSet` — whether they made a choice for it.
 * The categories named are read once, and must be this workspace's.
 */
export async function consentFilters(db: Db | Transaction<Database>, place: RecordPlace, filters: Filter[]): Promise<OwnFilters> {
  const ids = [...new Set(filters.flatMap((f) => CATEGORY_FILTER.exec(f.field)?.[1]?.toLowerCase() ?? []))];
  const categories = ids.length
    ? await db.selectFrom('email_categories').select(['id', 'subscribed_by_default as subscribedByDefault']).where('workspace_id', '=', place.workspaceId).where('id', 'in', ids).execute()
    : [];
  const byId = new Map(categories.map((c) => [c.id, c]));

  return (filter) => {
    const refuse = (problem: string): never => {
      throw new AppError('BAD_REQUEST', `Filter on '${filter.field}': ${problem}.`);
    };
    const yesNo = () => (typeof filter.value === 'boolean' ? filter.value : refuse(`${filter.op} needs true or false`));
    if (filter.field === 'globallyUnsubscribed') {
      const wanted = filter.op === 'eq' ? yesNo() : filter.op === 'set' ? true : filter.op === 'notSet' ? false : refuse('use eq with true or false');
      return wanted ? sql<boolean>`c.unsubscribed_at is not null` : sql<boolean>`c.unsubscribed_at is null`;
    }
    if (filter.field === 'workspaceSubscription') {
      if (filter.op === 'set') return sql<boolean>`cw.subscription <> 'neutral'`;
      if (filter.op === 'notSet') return sql<boolean>`cw.subscription = 'neutral'`;
      const values = filter.op === 'eq' ? [filter.value] : filter.op === 'anyOf' && Array.isArray(filter.value) ? filter.value : refuse('use eq, anyOf, set or notSet');
      if (values.length === 0 || values.some((v) => !(WORKSPACE_SUBSCRIPTIONS as readonly unknown[]).includes(v))) refuse(`the values are ${WORKSPACE_SUBSCRIPTIONS.join(', ')}`);
      return sql<boolean>`cw.subscription = any(${values as string[]}::text[])`;
    }
    const match = CATEGORY_FILTER.exec(filter.field);
    if (!match) {
      if (filter.field.startsWith('consent:')) refuse('name an email category by its id, as consent:<categoryId>');
      return undefined;
    }
    const category = byId.get(match[1]!.toLowerCase()) ?? refuse('there is no such email category in this workspace');
    const choice = sql<boolean>`exists (select 1 from contact_categories cc where cc.category_id = ${category.id}::uuid and cc.contact_id = c.id)`;
    switch (filter.op) {
      case 'eq':
        return yesNo() ? receivesCategory(category) : sql<boolean>`not ${receivesCategory(category)}`;
      case 'set':
        return choice;
      case 'notSet':
        return sql<boolean>`not ${choice}`;
      default:
        return refuse('use eq with true or false (receives it or not), or set / notSet (made a choice or not)');
    }
  };
}
