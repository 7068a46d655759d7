import { type Kysely, sql } from 'kysely';

/**
 * Unsubscribe (issue 12): the events of a provider's webhooks already acted on, so the same event
 * delivered twice (providers retry) changes consent once. Only the provider's id of the event is
 * kept — no address, nothing about the person.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('provider_webhook_events')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('provider_webhook_events_pkey', ['provider', 'event_id'])
    .execute();
}
