import { type CategoryChoice, type Database, sql, type Transaction, type WorkspaceSubscription } from '@steward/db';
import { emitConsentChanges } from '../webhooks/emit.js';
import type { ConsentAuthor, ConsentChange } from './consent.js';

/**
 * Consent from the consent columns of a CSV import (records/import/mapping.ts), written for a
 * batch of rows in three statements (one per level), each also appending the history rows of
 * the changes it made, with how = 'import' and the person who started the import; the workspace's
 * webhooks hear of them as of any other change of consent.
 *
 * An import opts people out, and in where they made no choice; it never overrules an opt-out:
 * a global unsubscribe is never lifted, an unsubscribed workspace switch or category stays
 * unsubscribed whatever the file says (an old spreadsheet must not re-subscribe someone who left;
 * the record, where the history shows who decided what, is where that is changed).
 */
export interface ImportedConsent {
  globallyUnsubscribed?: true;
  workspace?: WorkspaceSubscription;
  categories?: { categoryId: string; status: CategoryChoice }[];
}

export async function applyImportedConsent(trx: Transaction<Database>, author: ConsentAuthor, workspaceId: string, rows: { contactId: string; consent: ImportedConsent }[]) {
  const history = (level: 'global' | 'workspace' | 'category') => sql`
    insert into consent_history (organisation_id, contact_id, workspace_id, category_id, level, previous, status, source, actor_user_id, actor_api_key_id)
    select ${author.organisationId}::uuid, t.contact_id, ${level === 'global' ? null : workspaceId}::uuid, t.category_id, ${level}, t.previous, t.status,
      ${author.source}, ${author.userId}::uuid, ${author.apiKeyId}::uuid
    from changed c join target t on t.contact_id = c.contact_id and t.category_id is not distinct from c.category_id
    returning contact_id as "contactId", level, workspace_id as "workspaceId", category_id as "categoryId", previous, status`;
  const made: ConsentChange[] = [];

  const global = rows.filter((r) => r.consent.globallyUnsubscribed).map((r) => r.contactId);
  if (global.length > 0) {
    await sql<ConsentChange>`
      with target as (
        select c.id as contact_id, null::uuid as category_id, 'neutral' as previous, 'unsubscribed' as status
        from contacts c where c.id = any(${global}::uuid[]) and c.organisation_id = ${author.organisationId}::uuid and c.unsubscribed_at is null
        for update),
      changed as (
        update contacts c set unsubscribed_at = now() from target t where c.id = t.contact_id
        returning c.id as contact_id, null::uuid as category_id)
      ${history('global')}`.execute(trx).then((r) => made.push(...r.rows));
  }

  const switches = rows.flatMap((r) => (r.consent.workspace ? [{ contact_id: r.contactId, status: r.consent.workspace }] : []));
  if (switches.length > 0) {
    await sql<ConsentChange>`
      with target as (
        select cw.contact_id, null::uuid as category_id, cw.subscription as previous, v.status
        from jsonb_to_recordset(${JSON.stringify(switches)}::jsonb) as v(contact_id uuid, status text)
        join contact_workspaces cw on cw.workspace_id = ${workspaceId}::uuid and cw.contact_id = v.contact_id
        where cw.subscription <> v.status and cw.subscription <> 'unsubscribed'
        for update of cw),
      changed as (
        update contact_workspaces cw set subscription = t.status, updated_at = now()
        from target t where cw.workspace_id = ${workspaceId}::uuid and cw.contact_id = t.contact_id
        returning cw.contact_id, null::uuid as category_id)
      ${history('workspace')}`.execute(trx).then((r) => made.push(...r.rows));
  }

  const choices = rows.flatMap((r) => (r.consent.categories ?? []).map((c) => ({ contact_id: r.contactId, category_id: c.categoryId, status: c.status })));
  if (choices.length > 0) {
    await sql<ConsentChange>`
      with target as (
        select v.contact_id, v.category_id, cc.status as previous, v.status
        from jsonb_to_recordset(${JSON.stringify(choices)}::jsonb) as v(contact_id uuid, category_id uuid, status text)
        join email_categories ec on ec.id = v.category_id and ec.workspace_id = ${workspaceId}::uuid
        left join contact_categories cc on cc.category_id = v.category_id and cc.contact_id = v.contact_id
        where cc.status is distinct from v.status and cc.status is distinct from 'unsubscribed'),
      changed as (
        insert into contact_categories (category_id, contact_id, organisation_id, status)
        select t.category_id, t.contact_id, ${author.organisationId}::uuid, t.status from target t
        on conflict (category_id, contact_id) do update set status = excluded.status, updated_at = now()
        returning contact_id, category_id)
      ${history('category')}`.execute(trx).then((r) => made.push(...r.rows));
  }
  await emitConsentChanges(trx, author.organisationId, author.source, made);
}
