import { type Db, sql } from '@steward/db';
import { workspaceRoleCan } from '../../access/matrix.js';
import { resolveWorkspaceAccess } from '../../access/roles.js';
import { AppError, notFound } from '../../errors.js';
import { type Actor, recordAudit } from '../audit/record.js';
import type { RecordCaller } from '../records/contacts.js';
import { addressHash } from './suppression.js';

/**
 * Erasure (GDPR Art. 17): in one transaction, everything Steward holds about the person goes.
 * - The contact row, and with it (foreign keys) their links to workspaces with those workspaces'
 *   values, their category choices and their consent history.
 * - Their rows of campaign recipients (address, state, provider reference): what they counted in
 *   each campaign is kept as a number per state (`campaign_erased_recipients`), so a campaign's
 *   totals stay true; one still waiting counts as skipped, one in flight as sent.
 * - Rejected rows of CSV imports that hold their address or name: the cells are blanked (the row's
 *   number and the import's counts stay); an import whose file name or header row holds them loses it.
 * - Emails to them in the development outbox.
 * - Webhook events about them (kept for delivery and its retries): the payload is replaced by a
 *   marker and deliveries not yet made are cancelled (what was delivered is the receiver's to erase).
 * - Audit entries about them (their id as target, or their address or full name in the details):
 *   the details (before, after) are replaced by a marker; who did what, and when, stays.
 * The audit entry of the erasure names the request (as the admin wrote it, refused when it names
 * the person) and the contact's id, never the person. Their address, if any, goes on the
 * suppression list (suppression.ts) in the same transaction.
 */

const ERASED_DETAILS = JSON.stringify({ erased: 'Removed when the person this entry was about was erased on request.' });
const ERASED_WEBHOOK = 'Cancelled: the person this event was about was erased on request.';
const ERASED_REJECTION = 'This row named a person who was later erased on request: its cells were removed.';

export async function eraseContact(db: Db, actor: Actor, caller: RecordCaller, contactId: string, request: string) {
  const { organisationId, workspaceId } = caller.place;
  return db.transaction().execute(async (trx) => {
    // Lets this transaction rewrite audit details (migrations/0015_data_rights.ts), and nothing else.
    await sql`select set_config('steward.erasing_person', 'on', true)`.execute(trx);
    const person = await trx
      .selectFrom('contacts as c')
      .select(['c.id', 'c.email', 'c.first_name', 'c.last_name'])
      .where('c.id', '=', contactId)
      .where('c.organisation_id', '=', organisationId)
      .where((eb) => eb.exists(eb.selectFrom('contact_workspaces').select('contact_id').where('workspace_id', '=', workspaceId).whereRef('contact_id', '=', 'c.id')))
      .forUpdate()
      .executeTakeFirst();
    if (!person) throw notFound('Contact');

    const links = await trx.selectFrom('contact_workspaces').select('workspace_id').where('contact_id', '=', contactId).execute();
    if (caller.keyRestrictedHere && links.length > 1) {
      throw new AppError('FORBIDDEN', 'This API key is restricted to one workspace, and this person is known to others too: only organisation admins and global admins can erase them.');
    }
    // A person is linked to a handful of workspaces; each access check is one indexed query.
    const elsewhere = await Promise.all(links.filter((l) => l.workspace_id !== workspaceId).map((l) => resolveWorkspaceAccess(db, caller.userId, l.workspace_id)));
    if (elsewhere.some((access) => !workspaceRoleCan(access?.role ?? null, 'personalData.manage'))) {
      throw new AppError('FORBIDDEN', 'This person is also known to workspaces you do not administer: only organisation admins and global admins can erase them.');
    }

    const email = person.email?.trim().toLowerCase() || null;
    const fullName = `${person.first_name} ${person.last_name}`.trim().toLowerCase();
    const first = person.first_name.trim().toLowerCase();
    const last = person.last_name.trim().toLowerCase();
    const lowerRequest = request.toLowerCase();
    if ((email && lowerRequest.includes(email)) || (fullName && lowerRequest.includes(fullName)) || (first.length > 2 && last.length > 2 && lowerRequest.includes(first) && lowerRequest.includes(last))) {
      throw new AppError('BAD_REQUEST', 'The request reference names the person: the audit log keeps it after the erasure. Describe the request without their name or address (e.g. its date and ticket number).');
    }
    /** SQL: whether a text (lower-cased here) mentions the person's address or full name. */
    const mentions = (text: ReturnType<typeof sql>) =>
      sql<boolean>`((${email}::text is not null and strpos(lower(${text}), ${email}) > 0) or (${fullName} <> '' and strpos(lower(${text}), ${fullName}) > 0))`;
    /** SQL: whether a jsonb array of strings holds both the first and the last name as cells. */
    const namedInCells = (cells: ReturnType<typeof sql>) => sql<boolean>`(${first} <> '' and ${last} <> ''
      and exists (select 1 from jsonb_array_elements_text(${cells}) x where lower(trim(x)) = ${first})
      and exists (select 1 from jsonb_array_elements_text(${cells}) x where lower(trim(x)) = ${last}))`;
    const blanked = (cells: ReturnType<typeof sql>) => sql`(select coalesce(jsonb_agg(''::text), '[]'::jsonb) from jsonb_array_elements(${cells}))`;

    if (email) {
      await trx
        .insertInto('suppressed_addresses')
        .values({ organisation_id: organisationId, address_hash: addressHash(organisationId, email) })
        .onConflict((oc) => oc.columns(['organisation_id', 'address_hash']).doNothing())
        .execute();
    }

    const recipients = await sql<{ n: string }>`
      with gone as (delete from campaign_recipients where contact_id = ${contactId}::uuid returning campaign_id, state),
      counted as (
        insert into campaign_erased_recipients (campaign_id, state, recipients)
        select campaign_id, case state when 'pending' then 'skipped_opted_out' when 'sending' then 'sent' else state end, count(*)::int
        from gone group by 1, 2
        on conflict (campaign_id, state) do update set recipients = campaign_erased_recipients.recipients + excluded.recipients)
      select count(*) as n from gone`.execute(trx);

    const rejections = await sql`
      update contact_import_rejections r set cells = ${blanked(sql`r.cells`)}, error = ${ERASED_REJECTION}
      from contact_imports i
      where r.import_id = i.id and i.organisation_id = ${organisationId}::uuid
        and (${mentions(sql`r.cells::text`)} or ${mentions(sql`r.error`)} or ${namedInCells(sql`r.cells`)})`.execute(trx);
    await sql`
      update contact_imports i set
        file_name = case when ${mentions(sql`i.file_name`)} then 'file name removed (it named an erased person)' else i.file_name end,
        headers = case when ${mentions(sql`i.headers::text`)} or ${namedInCells(sql`i.headers`)} then ${blanked(sql`i.headers`)} else i.headers end
      where i.organisation_id = ${organisationId}::uuid
        and (${mentions(sql`i.file_name`)} or ${mentions(sql`i.headers::text`)} or ${namedInCells(sql`i.headers`)})`.execute(trx);

    const outbox = email ? await trx.deleteFrom('dev_outbox').where('organisation_id', '=', organisationId).where(sql<string>`lower(to_email)`, '=', email).executeTakeFirst() : null;

    const webhooks = await sql`
      with named as (
        select id from webhook_events
        where organisation_id = ${organisationId}::uuid and (strpos(data::text, ${contactId}) > 0 or ${mentions(sql`data::text`)})),
      cancelled as (
        update webhook_deliveries d set state = 'cancelled', last_error = ${ERASED_WEBHOOK}
        from named where d.event_id = named.id and d.state = 'pending'
        returning d.id),
      scrubbed as (
        update webhook_delivery_attempts a set response_excerpt = null
        from webhook_deliveries d join named on named.id = d.event_id
        where a.delivery_id = d.id and a.response_excerpt is not null and ${mentions(sql`a.response_excerpt`)}
        returning a.id)
      update webhook_events e set data = ${ERASED_DETAILS}::jsonb from named where e.id = named.id`.execute(trx);

    const audit = await sql`
      update audit_log set
        before = case when before is null then null else ${ERASED_DETAILS}::jsonb end,
        after = case when after is null then null else ${ERASED_DETAILS}::jsonb end
      where organisation_id = ${organisationId}::uuid
        and (before is not null or after is not null)
        and ((target_type = 'contact' and target_id = ${contactId}) or ${mentions(sql`before::text`)} or ${mentions(sql`after::text`)})`.execute(trx);

    const history = await trx.selectFrom('consent_history').select((eb) => eb.fn.countAll<string>().as('n')).where('contact_id', '=', contactId).executeTakeFirstOrThrow();
    // The links, values, category choices and consent history go with the row (foreign keys).
    await trx.deleteFrom('contacts').where('id', '=', contactId).where('organisation_id', '=', organisationId).execute();

    const outcome = {
      contactId,
      erased: true as const,
      suppressed: email !== null,
      removed: {
        workspaces: links.length,
        consentHistoryEntries: Number(history.n),
        campaignRecipients: Number(recipients.rows[0]?.n ?? 0),
        importRejectedRows: Number(rejections.numAffectedRows ?? 0),
        auditEntriesRedacted: Number(audit.numAffectedRows ?? 0),
        devOutboxEmails: Number(outbox?.numDeletedRows ?? 0),
        webhookEvents: Number(webhooks.numAffectedRows ?? 0),
      },
    };
    await recordAudit(trx, actor, { organisationId, workspaceId, action: 'dataRights.erase', targetType: 'contact', targetId: contactId, after: { request, suppressed: outcome.suppressed, removed: outcome.removed } });
    return outcome;
  });
}
