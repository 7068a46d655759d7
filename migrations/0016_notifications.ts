import { type Kysely, sql } from 'kysely';

/**
 * Notifications (issue 14, item 3).
 * - `notifications`: one row per event and recipient, written in the transaction of the change
 *   that caused it (`pending`), then delivered by a pg-boss job that reads the recipient's
 *   preference at that moment: shown in the console (`in_app`), emailed (`email_state`), both, or
 *   neither (`delivered` with no channel; `skipped` when the recipient can no longer see it).
 *   `dedupe_key` makes an event that may be noticed twice (an API key's expiry) one row.
 * - `notification_preferences`: a person's choice per organisation, workspace (null for
 *   organisation-wide events) and event; no row means the catalogue's default.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notifications')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('workspace_id', 'uuid', (c) => c.references('workspaces.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('dedupe_key', 'text')
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending').check(sql`state in ('pending', 'delivered', 'skipped')`))
    .addColumn('channel', 'text', (c) => c.check(sql`channel in ('in_app', 'email', 'both', 'off')`))
    .addColumn('in_app', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('email_state', 'text', (c) => c.notNull().defaultTo('none').check(sql`email_state in ('none', 'pending', 'sent', 'failed')`))
    .addColumn('email_error', 'text')
    .addColumn('read_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .execute();
  await sql`create unique index notifications_dedupe_key on notifications (user_id, dedupe_key) where dedupe_key is not null`.execute(db);
  // The centre: a person's notifications in one organisation, newest first; and the unread count.
  await sql`create index notifications_centre_idx on notifications (user_id, organisation_id, created_at desc, id desc) where in_app`.execute(db);
  await sql`create index notifications_unread_idx on notifications (user_id, organisation_id) where in_app and read_at is null`.execute(db);

  await db.schema
    .createTable('notification_preferences')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('workspace_id', 'uuid', (c) => c.references('workspaces.id').onDelete('cascade'))
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('in_app', 'email', 'both', 'off')`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // One choice per person, place and event; the organisation-wide place is the null workspace.
  await sql`
    alter table notification_preferences add constraint notification_preferences_key
    unique nulls not distinct (user_id, organisation_id, workspace_id, event)`.execute(db);
}
