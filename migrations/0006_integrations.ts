import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One row per organisation, provider and setting. Secret settings hold AES-256-GCM ciphertext and
  // the version of the key that sealed it; plain settings (a From address) hold their value.
  await db.schema
    .createTable('integration_settings')
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('setting', 'text', (c) => c.notNull())
    .addColumn('value', 'text')
    .addColumn('ciphertext', 'text')
    .addColumn('key_version', 'text')
    .addColumn('updated_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('integration_settings_pkey', ['organisation_id', 'provider', 'setting'])
    .addCheckConstraint('integration_settings_value_xor_secret', sql`(value is null) <> (ciphertext is null) and ((ciphertext is null) = (key_version is null))`)
    .execute();
}
