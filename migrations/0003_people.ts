import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Invitations sent by link vs. grants made by `steward bootstrap`, which have no link.
  await db.schema
    .alterTable('invitations')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('link').check(sql`kind in ('link', 'sign_in_grant')`))
    .addColumn('email_status', 'text', (c) =>
      c.notNull().defaultTo('queued').check(sql`email_status in ('queued', 'sent', 'retrying', 'failed', 'none')`),
    )
    .addColumn('email_error', 'text')
    .addColumn('email_sent_at', 'timestamptz')
    .execute();
  await sql`update invitations set kind = 'sign_in_grant', email_status = 'none' where token_hash is null`.execute(db);

  await db.schema
    .alterTable('workspaces')
    .addColumn('logo', 'bytea')
    .addColumn('logo_content_type', 'text', (c) => c.check(sql`logo_content_type in ('image/png', 'image/jpeg', 'image/svg+xml')`))
    .addColumn('logo_updated_at', 'timestamptz')
    .execute();

  // Old slugs keep pointing at their workspace after a rename, until another workspace claims them.
  await db.schema
    .createTable('workspace_slug_redirects')
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('workspace_slug_redirects_pkey', ['organisation_id', 'slug'])
    .execute();

  await db.schema
    .createTable('contacts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id'))
    .addColumn('first_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('last_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('email', 'text')
    .addColumn('assignee_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('contacts_workspace_idx').on('contacts').column('workspace_id').execute();
  await db.schema.createIndex('contacts_assignee_idx').on('contacts').columns(['organisation_id', 'assignee_id']).execute();

  // Outside production with no MailerSend key, emails land here and the console shows them.
  await db.schema
    .createTable('dev_outbox')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.references('organisations.id').onDelete('cascade'))
    .addColumn('to_email', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('html', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
