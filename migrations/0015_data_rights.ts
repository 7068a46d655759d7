import { type Kysely, sql } from 'kysely';

/**
 * A person's rights (issue 12, item 6): export everything about a contact, and erase them.
 *
 * - `suppressed_addresses`: the addresses of erased people, as an HMAC-SHA256 under a server key
 *   that is not in the database (STEWARD_SUPPRESSION_KEY) of "organisation id:lower-case address".
 *   Nothing else: not when the person was created, not who asked. A dump of the table alone does
 *   not say who was erased (an unkeyed hash of an address is reversed with a list of addresses),
 *   yet the server can still tell that an address being imported, created or mailed was erased.
 * - `campaign_erased_recipients`: what an erased person's rows of campaign_recipients counted, by
 *   state, so a campaign's totals stay true without anything about the person (their rows go).
 * - The audit log stays append-only, except that an erasure may rewrite the details (before,
 *   after) of entries about the person, in the transaction that sets `steward.erasing_person`.
 *   The UPDATE rule is its own trigger, so the DELETE/TRUNCATE rule (audit_log_is_append_only,
 *   which the organisation purge extends) stays one function that others can replace.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('suppressed_addresses')
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('address_hash', 'bytea', (c) => c.notNull().check(sql`octet_length(address_hash) = 32`))
    .addColumn('suppressed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('suppressed_addresses_pkey', ['organisation_id', 'address_hash'])
    .execute();

  await db.schema
    .createTable('campaign_erased_recipients')
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('sent', 'failed', 'skipped_opted_out')`))
    .addColumn('recipients', 'integer', (c) => c.notNull().check(sql`recipients > 0`))
    .addPrimaryKeyConstraint('campaign_erased_recipients_pkey', ['campaign_id', 'state'])
    .execute();

  await sql`
    create function audit_log_update_only_for_erasure() returns trigger language plpgsql as $$
    begin
      if current_setting('steward.erasing_person', true) = 'on'
         and (new.id, new.occurred_at, new.organisation_id, new.workspace_id, new.actor_user_id, new.actor_email, new.actor_api_key_id,
              new.action, new.target_type, new.target_id, new.request_id, new.ip)
             is not distinct from
             (old.id, old.occurred_at, old.organisation_id, old.workspace_id, old.actor_user_id, old.actor_email, old.actor_api_key_id,
              old.action, old.target_type, old.target_id, old.request_id, old.ip) then
        return new;
      end if;
      raise exception 'audit log entries cannot be changed or deleted';
    end $$`.execute(db);
  await sql`drop trigger audit_log_append_only on audit_log`.execute(db);
  await sql`
    create trigger audit_log_append_only before delete on audit_log
    for each row execute function audit_log_is_append_only()`.execute(db);
  await sql`
    create trigger audit_log_update_only_for_erasure before update on audit_log
    for each row execute function audit_log_update_only_for_erasure()`.execute(db);
}
