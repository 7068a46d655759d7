import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { connectDatabase, type Db, sql } from '@steward/db';

import { TEMPLATE_DATABASE } from './template.js';
import './provided-context.js';

export interface TestDatabase {
  url: string;
  db: Db;
  /** Closes connections and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated database of the run's cluster, for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const server = inject('postgresServerUrl');
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = connectDatabase(`${server}postgres`, { maxConnections: 1 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await sql`create database ${sql.id(name)} template ${sql.id(TEMPLATE_DATABASE)}`.execute(admin);
        break;
      } catch (error) {
        // Two files copying the template at the same instant can collide; the copy is retried.
        if (attempt >= 5 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      }
    }
  } finally {
    await admin.destroy();
  }
  const url = `${server}${name}`;
  const db = connectDatabase(url);
  return {
    url,
    db,
    async drop() {
      await db.destroy();
      const again = connectDatabase(`${server}postgres`, { maxConnections: 1 });
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(again);
      await again.destroy();
    },
  };
}
