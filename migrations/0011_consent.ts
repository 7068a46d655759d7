import { type Kysely, sql } from 'kysely';

/**
 * Email categories and consent (issue 12), in seed 000's order of authority:
 * 1. `contacts.unsubscribed_at`: the person's global unsubscribe — nothing from any workspace;
 * 2. `contact_workspaces.subscription`: the switch on the person's link to one workspace —
 *    `unsubscribed` is nothing from that workspace; `subscribed` is an explicit opt-in kept as
 *    evidence and, like `neutral`, leaves the decision to the categories;
 * 3. `contact_categories`: the person's choice for one category (subscribed / unsubscribed); no
 *    row means the category's default (`subscribed_by_default`, off unless an admin turns it on).
 * A person not linked to a workspace receives nothing from it.
 *
 * Every change at any level is a row of `consent_history` (when, how, by whom), which no one
 * updates or deletes; it goes only with the person, the workspace or the category it is about.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Adding a nullable column and a column with a constant default rewrites no rows.
  await db.schema.alterTable('contacts').addColumn('unsubscribed_at', 'timestamptz').execute();
  await db.schema
    .alterTable('contact_workspaces')
    .addColumn('subscription', 'text', (c) => c.notNull().defaultTo('neutral').check(sql`subscription in ('subscribed', 'unsubscribed', 'neutral')`))
    .execute();

  await db.schema
    .createTable('email_categories')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('subscribed_by_default', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('archived_at', 'timestamptz')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Names are unique in a workspace, archived ones included: a restored category never collides.
  await sql`create unique index email_categories_workspace_name_key on email_categories (workspace_id, lower(name))`.execute(db);
  await db.schema.createIndex('email_categories_workspace_position_idx').on('email_categories').columns(['workspace_id', 'position']).execute();

  await db.schema
    .createTable('contact_categories')
    .addColumn('category_id', 'uuid', (c) => c.notNull().references('email_categories.id').onDelete('cascade'))
    .addColumn('contact_id', 'uuid', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('subscribed', 'unsubscribed')`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // (category, contact) first: an audience is "every contact of this category", a semi- or anti-join.
    .addPrimaryKeyConstraint('contact_categories_pkey', ['category_id', 'contact_id'])
    .execute();
  await db.schema.createIndex('contact_categories_contact_idx').on('contact_categories').column('contact_id').execute();

  await db.schema
    .createTable('consent_history')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('contact_id', 'uuid', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    // Null for the global level; the category's workspace for the category level.
    .addColumn('workspace_id', 'uuid', (c) => c.references('workspaces.id').onDelete('cascade'))
    .addColumn('category_id', 'uuid', (c) => c.references('email_categories.id').onDelete('cascade'))
    .addColumn('level', 'text', (c) => c.notNull().check(sql`level in ('global', 'workspace', 'category')`))
    // Global: unsubscribed | neutral (lifted). Workspace: subscribed | unsubscribed | neutral.
    // Category: subscribed | unsubscribed; `previous` null means "no choice yet" (the default).
    .addColumn('previous', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('console', 'import', 'api', 'unsubscribe_link', 'provider_webhook')`))
    // No foreign keys: who did it stays on record after the user or the key is gone.
    .addColumn('actor_user_id', 'uuid')
    .addColumn('actor_api_key_id', 'uuid')
    .addCheckConstraint(
      'consent_history_level_target',
      sql`(level = 'global' and workspace_id is null and category_id is null)
        or (level = 'workspace' and workspace_id is not null and category_id is null)
        or (level = 'category' and workspace_id is not null and category_id is not null)`,
    )
    .execute();
  await db.schema.createIndex('consent_history_contact_idx').on('consent_history').columns(['contact_id', 'id desc']).execute();
  await db.schema.createIndex('consent_history_category_idx').on('consent_history').column('category_id').execute();

  // Append-only: no update, no truncate, and no delete except the cascade from the person, the
  // workspace or the category going (a delete fired by a foreign key runs one trigger level down).
  await sql`
    create function consent_history_is_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' and pg_trigger_depth() > 1 then
        return old;
      end if;
      raise exception 'consent history entries cannot be changed or deleted';
    end $$`.execute(db);
  await sql`
    create trigger consent_history_append_only before update or delete on consent_history
    for each row execute function consent_history_is_append_only()`.execute(db);
  await sql`
    create trigger consent_history_no_truncate before truncate on consent_history
    for each statement execute function consent_history_is_append_only()`.execute(db);

  // The switch lives on the link, which goes when the person is removed from the workspace: a
  // new link takes the last switch the history recorded for that person and workspace, so an
  // opt-out survives being removed and added again (by hand, a bulk upsert or an import). Once
  // per statement, joined over the inserted rows: a bulk insert pays one join, not a query a row.
  await sql`
    create function contact_workspaces_recorded_subscription() returns trigger language plpgsql as $$
    begin
      update contact_workspaces cw set subscription = recorded.status
      from (
        select distinct on (h.contact_id, h.workspace_id) h.contact_id, h.workspace_id, h.status
        from added a
        join consent_history h on h.contact_id = a.contact_id and h.workspace_id = a.workspace_id and h.level = 'workspace'
        where a.subscription = 'neutral'
        order by h.contact_id, h.workspace_id, h.id desc
      ) recorded
      where cw.contact_id = recorded.contact_id and cw.workspace_id = recorded.workspace_id and cw.subscription <> recorded.status;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger contact_workspaces_recorded_subscription after insert on contact_workspaces
    referencing new table as added for each statement execute function contact_workspaces_recorded_subscription()`.execute(db);
}
