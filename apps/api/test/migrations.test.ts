import { randomBytes } from 'node:crypto';
import { describe, expect, it, inject } from 'vitest';
import { connectDatabase, createDatabaseIfMissing, migrateToLatest, sql } from '@steward/db';
import '@steward/test-kit';

describe('migrations', () => {
  it('run once when two processes start together on an empty database (advisory lock)', async () => {
    const server = inject('postgresServerUrl');
    const name = `migrate_${randomBytes(4).toString('hex')}`;
    await createDatabaseIfMissing(`${server}postgres`, name);
    const first = connectDatabase(`${server}${name}`);
    const second = connectDatabase(`${server}${name}`);
    try {
      const [a, b] = await Promise.all([migrateToLatest(first), migrateToLatest(second)]);
      expect(a.length + b.length).toBeGreaterThan(0);
      expect([a.length, b.length]).toContain(0);
      const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(first);
      expect(new Set(applied.rows.map((r) => r.name)).size).toBe(applied.rows.length);
      expect(await migrateToLatest(first)).toEqual([]);
    } finally {
      await first.destroy();
      await second.destroy();
    }
  });
});
