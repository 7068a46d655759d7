import { type Kysely, sql } from 'kysely';

/**
 * A version of each organisation's field definitions, raised by every change to them. It is read
 * with the caller's standing (one query either way), so a process can keep the definitions it has
 * read and know, on every request, whether they are still current: searches at a million contacts
 * skip a query for the definitions without ever using stale ones.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table organisations add column field_definitions_version bigint not null default 0`.execute(db);
  await sql`
    create function bump_field_definitions_version() returns trigger language plpgsql as $$
    begin
      update organisations set field_definitions_version = field_definitions_version + 1
       where id in (select organisation_id from changed);
      return null;
    end $$`.execute(db);
  for (const [event, table] of [['insert', 'new table as changed'], ['update', 'new table as changed'], ['delete', 'old table as changed']] as const) {
    await sql`
      create trigger ${sql.raw(`field_definitions_version_${event}`)} after ${sql.raw(event)} on field_definitions
      referencing ${sql.raw(table)} for each statement execute function bump_field_definitions_version()`.execute(db);
  }
}
