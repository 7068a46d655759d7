import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, inject } from 'vitest';
import { connectDatabase, createDatabaseIfMissing, MIGRATIONS_DIR, migrateToLatest, sql } from '@steward/db';
import '@steward/test-kit';

describe('migration 0007_records', () => {
  it('turns per-workspace contacts into people of the organisation linked to their workspaces', async () => {
    const server = inject('postgresServerUrl');
    const name = `records_${randomBytes(4).toString('hex')}`;
    await createDatabaseIfMissing(`${server}postgres`, name);
    const db = connectDatabase(`${server}${name}`);
    const before = await fs.mkdtemp(path.join(os.tmpdir(), 'steward-migrations-'));
    try {
      for (const file of (await fs.readdir(MIGRATIONS_DIR)).filter((f) => f < '0007')) {
        await fs.symlink(path.join(MIGRATIONS_DIR, file), path.join(before, file));
      }
      await migrateToLatest(db, before);
      const { rows: [org] } = await sql<{ id: string }>`insert into organisations (name) values ('Old') returning id`.execute(db);
      const { rows: spaces } = await sql<{ id: string; slug: string }>`
        insert into workspaces (organisation_id, kind, name, slug)
        values (${org!.id}, 'global', 'Global', 'global'), (${org!.id}, 'chapter', 'Paris', 'paris')
        returning id, slug`.execute(db);
      const global = spaces.find((s) => s.slug === 'global')!.id;
      const paris = spaces.find((s) => s.slug === 'paris')!.id;
      const { rows: [user] } = await sql<{ id: string }>`insert into users (email, name) values ('a@old.example', 'A') returning id`.execute(db);
      await sql`
        insert into contacts (organisation_id, workspace_id, first_name, email, assignee_id, created_at) values
          (${org!.id}, ${global}, 'Ann', 'Ann@Example.org', null, now() - interval '2 days'),
          (${org!.id}, ${paris}, 'Ann again', 'ann@example.org ', ${user!.id}, now() - interval '1 day'),
          (${org!.id}, ${paris}, 'No email', '', null, now())`.execute(db);

      await migrateToLatest(db);

      const people = await sql<{ first_name: string; email: string | null; created_in_workspace_id: string }>`
        select first_name, email, created_in_workspace_id from contacts order by first_name`.execute(db);
      expect(people.rows).toEqual([
        { first_name: 'Ann', email: 'ann@example.org', created_in_workspace_id: global },
        { first_name: 'No email', email: null, created_in_workspace_id: paris },
      ]);
      const links = await sql<{ first_name: string; workspace_id: string; assignee_user_id: string | null }>`
        select c.first_name, cw.workspace_id, cw.assignee_user_id from contact_workspaces cw join contacts c on c.id = cw.contact_id
        order by c.first_name, cw.workspace_id = ${global} desc`.execute(db);
      expect(links.rows).toEqual([
        { first_name: 'Ann', workspace_id: global, assignee_user_id: null },
        { first_name: 'Ann', workspace_id: paris, assignee_user_id: user!.id },
        { first_name: 'No email', workspace_id: paris, assignee_user_id: null },
      ]);
      await expect(sql`insert into contacts (organisation_id, email) values (${org!.id}, 'ANN@example.org')`.execute(db)).rejects.toThrow(/contacts_organisation_email_key/);
    } finally {
      await db.destroy();
      await fs.rm(before, { recursive: true, force: true });
    }
  });
});
