import { type Kysely, sql } from 'kysely';

/**
 * Records and custom fields (issue 11).
 *
 * A contact is a person of the organisation (`contacts`, email unique case-insensitively when
 * present); a workspace sees a contact only through a row in `contact_workspaces`, which holds
 * that workspace's own assignee and the values of that workspace's own fields. Companies and
 * deals belong to one workspace.
 *
 * Storage and indexes, designed for a million contacts in one workspace:
 * - Custom values are jsonb objects keyed by the field's immutable key (`field_values`): core and
 *   global-internal contact values on `contacts.field_values`, workspace-scoped ones on
 *   `contact_workspaces.field_values`, company and deal values on their own row. Select values are
 *   option ids, so renaming, reordering or archiving an option touches `field_definitions` only.
 * - When a field is created, the API builds an expression index for it with CREATE INDEX
 *   CONCURRENTLY after the definition commits (never in a migration, never holding a write lock),
 *   then ANALYZEs the table: btree on `((field_values->>'key')::numeric)` for numbers, btree on
 *   `(field_values->>'key')` for text-like types and dates (stored as validated `YYYY-MM-DD`, so
 *   text order is date order), GIN on `(field_values->'key')` for multi-selects. Not partial:
 *   Postgres keeps statistics on a full expression index (and ignores those of partial ones), so
 *   the planner knows the skew of each field's values. Filters use exactly these expressions.
 * - Lists are keyset-paged on the link's `(created_at, contact_id)` (companies and deals on
 *   `(created_at, id)`), served by the indexes below; no OFFSET.
 * - Keys are never reused: `field_keys` keeps every key an organisation ever generated.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // --- contacts: from one workspace each to people of the organisation -----------------------
  await db.schema
    .alterTable('contacts')
    .addColumn('phone', 'text')
    .addColumn('country', 'text', (c) => c.check(sql`country ~ '^[A-Z]{2}$'`))
    .addColumn('language', 'text')
    // History, not a reference: deleting that workspace later must not rewrite a million rows.
    .addColumn('created_in_workspace_id', 'uuid')
    .addColumn('field_values', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('contact_workspaces')
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('contact_id', 'uuid', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('assignee_user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('field_values', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('contact_workspaces_pkey', ['workspace_id', 'contact_id'])
    .execute();

  // Existing rows: emails normalised; people with the same email in an organisation become one
  // (the oldest row stays), and every workspace that had one of them gets a link to it.
  await sql`update contacts set email = nullif(lower(trim(email)), '')`.execute(db);
  await sql`
    with merge as (
      select id, first_value(id) over (partition by organisation_id, email order by created_at, id) as keep_id
      from contacts where email is not null
    )
    insert into contact_workspaces (workspace_id, contact_id, organisation_id, assignee_user_id, created_by, created_at)
    select c.workspace_id, coalesce(m.keep_id, c.id), c.organisation_id, c.assignee_id, c.created_by, c.created_at
    from contacts c left join merge m on m.id = c.id
    order by c.created_at
    on conflict (workspace_id, contact_id) do nothing`.execute(db);
  await sql`update contacts set created_in_workspace_id = workspace_id`.execute(db);
  await sql`
    delete from contacts c
    where c.email is not null
      and exists (select 1 from contacts o where o.organisation_id = c.organisation_id and o.email = c.email and (o.created_at, o.id) < (c.created_at, c.id))`.execute(db);

  await db.schema.dropIndex('contacts_workspace_idx').execute();
  await db.schema.dropIndex('contacts_assignee_idx').execute();
  await db.schema.alterTable('contacts').dropColumn('workspace_id').dropColumn('assignee_id').execute();
  await sql`create unique index contacts_organisation_email_key on contacts (organisation_id, lower(email)) where email is not null`.execute(db);
  await db.schema.createIndex('contacts_organisation_created_idx').on('contacts').columns(['organisation_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('contact_workspaces_list_idx').on('contact_workspaces').columns(['workspace_id', 'created_at', 'contact_id']).execute();
  await db.schema.createIndex('contact_workspaces_contact_idx').on('contact_workspaces').column('contact_id').execute();
  await sql`create index contact_workspaces_assignee_idx on contact_workspaces (organisation_id, assignee_user_id) where assignee_user_id is not null`.execute(db);

  // --- field definitions -----------------------------------------------------------------------
  await db.schema
    .createTable('field_keys')
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('field_keys_pkey', ['organisation_id', 'key'])
    .execute();

  await db.schema
    .createTable('field_definitions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('entity', 'text', (c) => c.notNull().check(sql`entity in ('contact', 'company', 'deal')`))
    .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope in ('core', 'global_internal', 'workspace')`))
    .addColumn('workspace_id', 'uuid', (c) => c.references('workspaces.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull().check(sql`key ~ '^[a-z][a-z0-9_]{0,47}$'`))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('type', 'text', (c) =>
      c.notNull().check(sql`type in ('text', 'number', 'date', 'secondary_email', 'url', 'select', 'multi_select', 'boolean')`),
    )
    .addColumn('required', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('options', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('index_status', 'text', (c) => c.notNull().defaultTo('none').check(sql`index_status in ('none', 'building', 'ready', 'failed')`))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('field_definitions_organisation_key_key', ['organisation_id', 'key'])
    .addCheckConstraint('field_definitions_workspace_scope', sql`(scope = 'workspace') = (workspace_id is not null)`)
    .execute();
  await db.schema.createIndex('field_definitions_lookup_idx').on('field_definitions').columns(['organisation_id', 'entity', 'position']).execute();

  // --- companies and deals: one workspace each -------------------------------------------------
  await db.schema
    .createTable('companies')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('domain', 'text')
    .addColumn('field_values', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('companies_list_idx').on('companies').columns(['workspace_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('deals')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('amount', 'numeric(18, 2)')
    .addColumn('currency', 'text', (c) => c.check(sql`currency ~ '^[A-Z]{3}$'`))
    .addColumn('company_id', 'uuid', (c) => c.references('companies.id').onDelete('set null'))
    .addColumn('owner_user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('field_values', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('deals_list_idx').on('deals').columns(['workspace_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('deals_company_idx').on('deals').column('company_id').execute();
  await sql`create index deals_owner_idx on deals (organisation_id, owner_user_id) where owner_user_id is not null`.execute(db);
}
