import { type Kysely, sql } from 'kysely';

/**
 * Organisation info and lifecycle (deletion with a grace period, then a purge), plans and their
 * limits as data, the subscription as the billing provider last described it, and the provider's
 * events, each processed once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // 0 means unlimited. `price_lookup_key` names the provider's price (Stripe lookup key); null: not sold online.
  await db.schema
    .createTable('plans')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('rank', 'integer', (c) => c.notNull().unique())
    .addColumn('seats', 'integer', (c) => c.notNull().check(sql`seats >= 0`))
    .addColumn('workspaces', 'integer', (c) => c.notNull().check(sql`workspaces >= 0`))
    .addColumn('contacts', 'integer', (c) => c.notNull().check(sql`contacts >= 0`))
    .addColumn('emails_per_month', 'integer', (c) => c.notNull().check(sql`emails_per_month >= 0`))
    .addColumn('price_lookup_key', 'text', (c) => c.unique())
    .addColumn('monthly_price_cents', 'integer')
    .addColumn('currency', 'text')
    .addColumn('contact_sales', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db
    .insertInto('plans')
    .values([
      { id: 'self_hosted', name: 'Self-hosted', rank: 0, seats: 0, workspaces: 0, contacts: 0, emails_per_month: 0, price_lookup_key: null, monthly_price_cents: null, currency: null, contact_sales: false },
      { id: 'starter', name: 'Starter', rank: 1, seats: 5, workspaces: 3, contacts: 2_000, emails_per_month: 10_000, price_lookup_key: 'steward_starter_monthly', monthly_price_cents: 1_900, currency: 'eur', contact_sales: false },
      { id: 'professional', name: 'Professional', rank: 2, seats: 25, workspaces: 20, contacts: 100_000, emails_per_month: 250_000, price_lookup_key: 'steward_professional_monthly', monthly_price_cents: 7_900, currency: 'eur', contact_sales: false },
      { id: 'enterprise', name: 'Enterprise', rank: 3, seats: 0, workspaces: 0, contacts: 0, emails_per_month: 0, price_lookup_key: null, monthly_price_cents: null, currency: null, contact_sales: true },
    ])
    .execute();

  // Existing organisations (and those the command line creates) run on the unlimited plan; the
  // console gives new ones the entry plan when a billing provider is configured.
  await db.schema
    .alterTable('organisations')
    .addColumn('plan_id', 'text', (c) => c.notNull().defaultTo('self_hosted').references('plans.id'))
    .addColumn('billing_email', 'text')
    .addColumn('billing_address', 'text')
    .addColumn('tax_id', 'text')
    .addColumn('logo', 'bytea')
    .addColumn('logo_content_type', 'text', (c) => c.check(sql`logo_content_type in ('image/png', 'image/jpeg', 'image/svg+xml')`))
    .addColumn('logo_updated_at', 'timestamptz')
    .addColumn('deletion_requested_at', 'timestamptz')
    .addColumn('deletion_requested_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('purge_after', 'timestamptz')
    .execute();
  await sql`alter table organisations add constraint organisations_deletion_complete check ((deletion_requested_at is null) = (purge_after is null))`.execute(db);
  await sql`create index organisations_purge_after_idx on organisations (purge_after) where purge_after is not null`.execute(db);

  // One subscription per organisation, as the provider last described it (re-read on every event).
  await db.schema
    .createTable('billing_subscriptions')
    .addColumn('organisation_id', 'uuid', (c) => c.primaryKey().references('organisations.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull().unique())
    .addColumn('subscription_id', 'text', (c) => c.unique())
    .addColumn('plan_id', 'text', (c) => c.references('plans.id'))
    .addColumn('status', 'text')
    .addColumn('cancel_at_period_end', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('current_period_end', 'timestamptz')
    .addColumn('payment_method', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Each provider event once: the row and the state it applied commit together.
  await db.schema
    .createTable('billing_events')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('organisation_id', 'uuid', (c) => c.references('organisations.id').onDelete('cascade'))
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('processed_at', 'timestamptz')
    .execute();
  await sql`create index billing_events_organisation_idx on billing_events (organisation_id)`.execute(db);

  // The audit log stays append-only, except for the purge of a deleted organisation, which removes
  // that organisation's entries with everything else of it (the purge sets this transaction-local flag).
  await sql`
    create or replace function audit_log_is_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' and tg_level = 'ROW'
         and old.organisation_id::text = current_setting('steward.purging_organisation', true) then
        return old;
      end if;
      raise exception 'audit log entries cannot be changed or deleted';
    end $$`.execute(db);
}
