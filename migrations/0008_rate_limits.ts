import { type Kysely, sql } from 'kysely';

/**
 * Counters of the rate limits (rate-limiter-flexible's PostgreSQL store), shared by every
 * instance: several API processes behind a load balancer enforce one limit, not one each.
 * The shape is the library's own (key, points, expire in epoch milliseconds).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expire', 'bigint')
    .execute();
  await sql`create index rate_limits_expire on rate_limits (expire)`.execute(db);
}
