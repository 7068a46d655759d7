import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('organisations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('workspaces')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('global', 'chapter')`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull().check(sql`slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'`))
    .addColumn('default_language', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('timezone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('date_format', 'text', (c) =>
      c.notNull().defaultTo('DD/MM/YYYY').check(sql`date_format in ('DD/MM/YYYY', 'MM/DD/YYYY')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('workspaces_organisation_slug_key', ['organisation_id', 'slug'])
    .execute();
  // Exactly one global workspace per organisation: at most one by this index, at least one
  // because it is created in the organisation's own transaction and can never be deleted.
  await db.schema
    .createIndex('workspaces_one_global_per_organisation')
    .unique()
    .on('workspaces')
    .column('organisation_id')
    .where(sql.ref('kind'), '=', 'global')
    .execute();

  await db.schema
    .createTable('memberships')
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('org_role', 'text', (c) =>
      c.notNull().check(sql`org_role in ('admin', 'billing_admin', 'user_admin', 'member')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('memberships_pkey', ['organisation_id', 'user_id'])
    .execute();
  await db.schema.createIndex('memberships_user_id_idx').on('memberships').column('user_id').execute();

  await db.schema
    .createTable('workspace_memberships')
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('organisation_id', 'uuid', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('viewer', 'member', 'admin')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('workspace_memberships_pkey', ['workspace_id', 'user_id'])
    // A workspace role exists only alongside an organisation membership; removing the
    // membership removes every workspace role with it.
    .addForeignKeyConstraint('workspace_memberships_membership_fkey', ['organisation_id', 'user_id'], 'memberships', ['organisation_id', 'user_id'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema
    .createIndex('workspace_memberships_user_idx')
    .on('workspace_memberships')
    .columns(['user_id', 'organisation_id'])
    .execute();

  await db.schema
    .createTable('invitations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull().check(sql`email = lower(email)`))
    .addColumn('org_role', 'text', (c) =>
      c.notNull().check(sql`org_role in ('admin', 'billing_admin', 'user_admin', 'member')`),
    )
    .addColumn('token_hash', 'text', (c) => c.unique())
    .addColumn('workspace_roles', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('invited_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  // One open invitation per address and organisation, so concurrent invites cannot both land.
  await db.schema
    .createIndex('invitations_one_pending_per_email')
    .unique()
    .on('invitations')
    .columns(['organisation_id', 'email'])
    .where(sql<boolean>`accepted_at is null and revoked_at is null`)
    .execute();
}
