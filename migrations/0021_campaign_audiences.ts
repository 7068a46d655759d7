import { type Kysely, sql } from 'kysely';

/**
 * A campaign's audience, frozen at send time in one compact row (issue 12's benchmark: a million
 * contacts frozen in ≤ 2 s). Writing 900,000 rows of `campaign_recipients` with their keys and
 * references at once costs PostgreSQL several microseconds a row (the heap, four index entries and
 * two foreign-key checks each): tens of seconds for a large list. The freeze instead writes who is
 * in it — each contact id, 16 bytes, in one `bytea` stored out of line and uncompressed, so a part
 * of it is read without reading the rest — and the send moves it into `campaign_recipients` a
 * slice at a time (`expanded` says how far), in the transaction that claims the next batch. From
 * there each person has a row keyed (campaign, contact), unique on the address, with their state.
 *
 * The ids are the audience of the moment of the freeze: someone who joins or opts in later is not
 * in it; someone who opts out or is erased later is skipped when their slice is reached (a deleted
 * contact's id no longer leads anywhere). Once every slice is expanded, `recipients` is emptied.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('campaign_audiences')
    .addColumn('campaign_id', 'uuid', (c) => c.primaryKey().references('campaigns.id').onDelete('cascade'))
    .addColumn('size', 'integer', (c) => c.notNull().check(sql`size >= 0`))
    .addColumn('expanded', 'integer', (c) => c.notNull().defaultTo(0))
    // The contact ids, 16 bytes each; null once every one has been expanded.
    .addColumn('recipients', 'bytea')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('campaign_audiences_expanded', sql`expanded between 0 and size`)
    .addCheckConstraint('campaign_audiences_recipients', sql`recipients is null or octet_length(recipients) = size * 16`)
    .execute();
  // Out of line and uncompressed: a slice is read from its own TOAST chunks (random ids do not compress).
  await sql`alter table campaign_audiences alter column recipients set storage external`.execute(db);
}
