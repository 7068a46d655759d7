import { type Kysely, sql } from 'kysely';

/**
 * Campaigns (issue 12): an email of one category to the contacts of a workspace who receive it.
 *
 * At send time the audience is frozen into `campaign_recipients`, one row per person, keyed
 * (campaign, contact) and unique on (campaign, lower(email)): nobody is in a campaign twice, and
 * each row's state says exactly how far that person's email got. A sender claims `pending` rows
 * (FOR UPDATE SKIP LOCKED), marks them `sending` with a batch id in the same transaction, and
 * records the provider's answer afterwards; a row left `sending` by a crashed worker is never
 * blindly sent again.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // The name campaign emails come from, per workspace (the address stays the organisation's).
  await db.schema
    .alterTable('workspaces')
    .addColumn('email_sender_name', 'text', (c) => c.check(sql`char_length(email_sender_name) between 1 and 100`))
    .execute();

  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('html_body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('text_body', 'text', (c) => c.notNull().defaultTo(''))
    // No action (not cascade): a category a campaign used is archived, never deleted. The workspace's
    // deletion takes both in one statement, which the end-of-statement check allows.
    .addColumn('category_id', 'uuid', (c) => c.notNull().references('email_categories.id'))
    .addColumn('filters', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('draft').check(sql`state in ('draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled', 'failed')`))
    .addColumn('scheduled_at', 'timestamptz')
    // Set by a provider's 429: no batch goes out before then.
    .addColumn('throttled_until', 'timestamptz')
    .addColumn('failure_reason', 'text')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('campaigns_workspace_idx').on('campaigns').columns(['workspace_id', 'created_at desc']).execute();
  await db.schema.createIndex('campaigns_category_idx').on('campaigns').column('category_id').execute();

  await db.schema
    .createTable('campaign_recipients')
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('contact_id', 'uuid', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending').check(sql`state in ('pending', 'sending', 'sent', 'failed', 'skipped_opted_out')`))
    .addColumn('batch_id', 'uuid')
    .addColumn('provider_bulk_id', 'text')
    // Where the recipient's message sat in its bulk request: the provider reports problems by it.
    .addColumn('batch_position', 'integer')
    .addColumn('error', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('campaign_recipients_pkey', ['campaign_id', 'contact_id'])
    .execute();
  await sql`create unique index campaign_recipients_email_key on campaign_recipients (campaign_id, lower(email))`.execute(db);
  // The sender's claim: the next pending rows of a campaign, in a stable order.
  await sql`create index campaign_recipients_pending_idx on campaign_recipients (campaign_id, contact_id) where state = 'pending'`.execute(db);
  await db.schema.createIndex('campaign_recipients_contact_idx').on('campaign_recipients').column('contact_id').execute();

  // Each bulk request MailerSend accepted: a 202 only says it was queued; the bulk's status, read
  // later, names the messages it refused (validation) or suppressed, which then become failed.
  await db.schema
    .createTable('campaign_bulks')
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('bulk_id', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('checked_at', 'timestamptz')
    .addPrimaryKeyConstraint('campaign_bulks_pkey', ['campaign_id', 'bulk_id'])
    .execute();

  // MailerSend allows an account about 10 bulk requests a minute: every worker of every workspace
  // sending with the same key takes its turn from this row (the account is a hash of the key).
  await db.schema
    .createTable('mailersend_bulk_slots')
    .addColumn('account', 'text', (c) => c.primaryKey())
    .addColumn('next_at', 'timestamptz', (c) => c.notNull())
    .execute();
}
