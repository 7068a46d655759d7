import { type Kysely, sql } from 'kysely';

/**
 * Channels, inboxes and conversations (issue 15), and the OAuth connections that Gmail and Outlook
 * channels — and connected apps — stand on.
 *
 * - `oauth_connect_states`: one row per started "Connect" (state's hash, PKCE verifier sealed),
 *   short-lived, deleted when the provider sends the browser back.
 * - `oauth_connections`: tokens sealed with the secret keyring; a status that says when the
 *   provider stopped accepting them and why.
 * - `channels`: Gmail/Outlook (through a connection), SMTP and Twilio (credentials sealed here).
 * - `inboxes`, fed by channels (`inbox_channels`) and staffed by agents (`inbox_agents`).
 * - `conversations` (at most one open per inbox and contact) and their `conversation_messages`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const base = (table: string) =>
    db.schema
      .createTable(table)
      .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
      .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
      .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'));

  await db.schema
    .createTable('oauth_connect_states')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('purpose', 'jsonb', (c) => c.notNull())
    .addColumn('return_to', 'text', (c) => c.notNull())
    .addColumn('code_verifier_ciphertext', 'text', (c) => c.notNull())
    .addColumn('key_version', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await base('oauth_connections')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('account', 'text')
    .addColumn('scopes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('access_token_ciphertext', 'text', (c) => c.notNull())
    .addColumn('refresh_token_ciphertext', 'text')
    .addColumn('key_version', 'text', (c) => c.notNull())
    .addColumn('access_expires_at', 'timestamptz')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('connected').check(sql`status in ('connected', 'needs_reconnection')`))
    .addColumn('failure_reason', 'text')
    .addColumn('failing_since', 'timestamptz')
    .addColumn('last_refreshed_at', 'timestamptz')
    .addColumn('connected_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('oauth_connections_workspace_idx').on('oauth_connections').columns(['workspace_id', 'provider']).execute();
  await db.schema.createIndex('oauth_connections_expiry_idx').on('oauth_connections').column('access_expires_at').where(sql.ref('status'), '=', 'connected').execute();

  await base('channels')
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('gmail', 'outlook', 'smtp', 'twilio_sms', 'twilio_voice')`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('oauth_connection_id', 'uuid', (c) => c.references('oauth_connections.id').onDelete('restrict'))
    .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('secret_ciphertext', 'text')
    .addColumn('key_version', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('active', 'failing')`))
    .addColumn('failure_reason', 'text')
    .addColumn('failing_since', 'timestamptz')
    .addColumn('last_checked_at', 'timestamptz')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('channels_workspace_id_id_key', ['workspace_id', 'id'])
    .execute();
  await sql`create unique index channels_workspace_kind_address_key on channels (workspace_id, kind, lower(address))`.execute(db);

  await base('inboxes')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email_address', 'text')
    .addColumn('assignment', 'text', (c) => c.notNull().defaultTo('manual').check(sql`assignment in ('round_robin', 'load_balanced', 'manual')`))
    .addColumn('agent_cap', 'integer', (c) => c.check(sql`agent_cap between 1 and 10000`))
    .addColumn('round_robin_next', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('business_hours', 'jsonb')
    .addColumn('out_of_office_message', 'text')
    .addColumn('sla_first_response_minutes', 'integer')
    .addColumn('sla_next_response_minutes', 'integer')
    .addColumn('sla_resolution_minutes', 'integer')
    .addColumn('sla_business_hours_only', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('csat_enabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('csat_question', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('inboxes_workspace_id_id_key', ['workspace_id', 'id'])
    .execute();
  await sql`create unique index inboxes_workspace_name_key on inboxes (workspace_id, lower(name))`.execute(db);

  await db.schema
    .createTable('inbox_channels')
    .addColumn('workspace_id', 'uuid', (c) => c.notNull())
    .addColumn('inbox_id', 'uuid', (c) => c.notNull())
    .addColumn('channel_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('inbox_channels_pkey', ['inbox_id', 'channel_id'])
    .addForeignKeyConstraint('inbox_channels_inbox_fkey', ['workspace_id', 'inbox_id'], 'inboxes', ['workspace_id', 'id'], (c) => c.onDelete('cascade'))
    .addForeignKeyConstraint('inbox_channels_channel_fkey', ['workspace_id', 'channel_id'], 'channels', ['workspace_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('inbox_channels_channel_idx').on('inbox_channels').column('channel_id').execute();

  await db.schema
    .createTable('inbox_agents')
    .addColumn('workspace_id', 'uuid', (c) => c.notNull())
    .addColumn('inbox_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('inbox_agents_pkey', ['inbox_id', 'user_id'])
    .addForeignKeyConstraint('inbox_agents_inbox_fkey', ['workspace_id', 'inbox_id'], 'inboxes', ['workspace_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();

  await base('conversations')
    .addColumn('inbox_id', 'uuid', (c) => c.notNull())
    .addColumn('contact_id', 'uuid', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('channel_id', 'uuid', (c) => c.references('channels.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status in ('open', 'resolved')`))
    .addColumn('assignee_user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('subject', 'text')
    .addColumn('last_message_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('first_response_due_at', 'timestamptz')
    .addColumn('next_response_due_at', 'timestamptz')
    .addColumn('resolution_due_at', 'timestamptz')
    .addColumn('first_responded_at', 'timestamptz')
    .addColumn('awaiting_reply_since', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('out_of_office_sent_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addForeignKeyConstraint('conversations_inbox_fkey', ['workspace_id', 'inbox_id'], 'inboxes', ['workspace_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();
  // "Opens or continues": one open conversation per contact and inbox, even under concurrent arrivals.
  await sql`create unique index conversations_one_open_key on conversations (inbox_id, contact_id) where status = 'open'`.execute(db);
  await db.schema.createIndex('conversations_inbox_idx').on('conversations').columns(['inbox_id', 'status', 'last_message_at']).execute();
  await sql`create index conversations_assignee_open_idx on conversations (inbox_id, assignee_user_id) where status = 'open'`.execute(db);

  await db.schema
    .createTable('conversation_messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('inbound', 'outbound')`))
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('message').check(sql`kind in ('message', 'out_of_office', 'csat')`))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('author_user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('external_id', 'text')
    .addColumn('delivery', 'text', (c) => c.notNull().check(sql`delivery in ('received', 'pending', 'sent', 'failed')`))
    .addColumn('failure', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('conversation_messages_conversation_idx').on('conversation_messages').columns(['conversation_id', 'created_at']).execute();
  // A provider that retries a delivery (Twilio does) adds the message once.
  await sql`create unique index conversation_messages_inbound_external_key on conversation_messages (organisation_id, external_id) where direction = 'inbound' and external_id is not null`.execute(db);
}
