import { type Kysely, sql } from 'kysely';

/**
 * Issue 14, items 4 and 5.
 * - `ai_settings`: the AI platform of an organisation (workspace_id null) and, per workspace, an
 *   override. The provider's API key is sealed like the MailerSend key (AES-256-GCM ciphertext and
 *   the version of the key that sealed it); a local model server may need none.
 * - `api_keys.workspace_id`: a key restricted to one workspace reaches nothing else. Deleting the
 *   workspace deletes the keys bound to it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ai_settings')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('workspace_id', 'uuid', (c) => c.references('workspaces.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull().check(sql`provider in ('openai', 'anthropic', 'openai_compatible')`))
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('base_url', 'text')
    .addColumn('ciphertext', 'text')
    .addColumn('key_version', 'text')
    .addColumn('updated_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('ai_settings_sealed_key', sql`(ciphertext is null) = (key_version is null)`)
    .execute();
  await sql`create unique index ai_settings_organisation_key on ai_settings (organisation_id) where workspace_id is null`.execute(db);
  await sql`create unique index ai_settings_workspace_key on ai_settings (workspace_id) where workspace_id is not null`.execute(db);

  await db.schema
    .alterTable('api_keys')
    .addColumn('workspace_id', 'uuid', (c) => c.references('workspaces.id').onDelete('cascade'))
    .execute();
  await sql`create index api_keys_workspace_idx on api_keys (workspace_id) where workspace_id is not null`.execute(db);
}
