import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@steward/test-kit';
import { connectDatabase, type Db, preparedQuery, sql } from './index.js';

let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase();
  db = connectDatabase(database.url, { maxConnections: 1 });
});
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

// `other` reaches the query only through a string operation, so its value could never be substituted.
const organisationNamed = preparedQuery(['name', 'other'], (kysely, p) => kysely.selectFrom('organisations').select(['id', 'name']).where('name', '=', p.name).where('name', '!=', p.other.slice(1)));

describe('prepared queries', () => {
  it('runs one compiled text with new values each time, as a named statement planned once per connection', async () => {
    await db.insertInto('organisations').values([{ name: 'Alpha' }, { name: 'Beta' }]).execute();
    const byName = preparedQuery(['name'], (kysely, p) => kysely.selectFrom('organisations').select('name').where('name', '=', p.name));
    expect((await byName(db, { name: 'Alpha' })).rows).toEqual([{ name: 'Alpha' }]);
    expect((await byName(db, { name: 'Beta' })).rows).toEqual([{ name: 'Beta' }]);
    const prepared = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db);
    expect(prepared.rows.map((r) => r.statement)).toEqual([expect.stringContaining('from "organisations" where "name" = $1')]);
  });

  it('refuses a placeholder that is not used as a value of the query', async () => {
    await expect(organisationNamed(db, { name: 'Alpha', other: 'x' })).rejects.toThrow(/must each be a value/);
  });

  it('works inside a transaction too', async () => {
    const byName = preparedQuery(['name'], (kysely, p) => kysely.selectFrom('organisations').select('name').where('name', '=', p.name));
    const rows = await db.transaction().execute(async (trx) => {
      await trx.insertInto('organisations').values({ name: 'Gamma' }).execute();
      return (await byName(trx, { name: 'Gamma' })).rows;
    });
    expect(rows).toEqual([{ name: 'Gamma' }]);
  });
});
