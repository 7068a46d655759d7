import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, inject } from 'vitest';
import { connectDatabase, createDatabaseIfMissing, MIGRATIONS_DIR, migrateToLatest, sql } from '@steward/db';
import '@steward/test-kit';

describe('migration 0013_pipeline_and_team', () => {
  it('gives existing workspaces the default stages and puts existing deals in their first open stage', async () => {
    const server = inject('postgresServerUrl');
    const name = `pipeline_${randomBytes(4).toString('hex')}`;
    await createDatabaseIfMissing(`${server}postgres`, name);
    const db = connectDatabase(`${server}${name}`);
    const before = await fs.mkdtemp(path.join(os.tmpdir(), 'steward-migrations-'));
    try {
      for (const file of (await fs.readdir(MIGRATIONS_DIR)).filter((f) => f < '0013')) {
        await fs.symlink(path.join(MIGRATIONS_DIR, file), path.join(before, file));
      }
      await migrateToLatest(db, before);
      const { rows: [org] } = await sql<{ id: string }>`insert into organisations (name) values ('Old') returning id`.execute(db);
      const { rows: spaces } = await sql<{ id: string }>`
        insert into workspaces (organisation_id, kind, name, slug) values (${org!.id}, 'global', 'Global', 'global'), (${org!.id}, 'chapter', 'Paris', 'paris')
        returning id`.execute(db);
      await sql`insert into deals (organisation_id, workspace_id, name) select ${org!.id}::uuid, w.id, 'Deal ' || n from unnest(${spaces.map((s) => s.id)}::uuid[]) w(id), generate_series(1, 3) n`.execute(db);

      await migrateToLatest(db);

      const stages = await sql<{ workspace_id: string; name: string; probability: number; kind: string; position: number }>`
        select workspace_id, name, probability, kind, position from pipeline_stages order by workspace_id, position`.execute(db);
      for (const { id } of spaces) {
        expect(stages.rows.filter((s) => s.workspace_id === id).map((s) => `${s.name} ${s.probability} ${s.kind} ${s.position}`)).toEqual([
          'Lead 10 open 0',
          'Qualified 25 open 1',
          'Proposal 50 open 2',
          'Negotiation 75 open 3',
          'Won 100 won 4',
          'Lost 0 lost 5',
        ]);
      }
      const deals = await sql<{ workspace_id: string; stage_workspace: string; stage: string }>`
        select d.workspace_id, s.workspace_id as stage_workspace, s.name as stage from deals d join pipeline_stages s on s.id = d.stage_id`.execute(db);
      expect(deals.rows).toHaveLength(6);
      expect(deals.rows.every((d) => d.stage === 'Lead' && d.stage_workspace === d.workspace_id)).toBe(true);

      // A workspace created afterwards gets them from the trigger.
      const { rows: [lyon] } = await sql<{ id: string }>`insert into workspaces (organisation_id, kind, name, slug) values (${org!.id}, 'chapter', 'Lyon', 'lyon') returning id`.execute(db);
      const { rows: [count] } = await sql<{ n: number }>`select count(*)::int as n from pipeline_stages where workspace_id = ${lyon!.id}`.execute(db);
      expect(count!.n).toBe(6);
      // Deleting a workspace takes its deals and stages together.
      await sql`delete from workspaces where id = ${spaces[1]!.id}`.execute(db);
      const { rows: [left] } = await sql<{ n: number }>`select count(*)::int as n from pipeline_stages where workspace_id = ${spaces[1]!.id}`.execute(db);
      expect(left!.n).toBe(0);
    } finally {
      await db.destroy();
      await fs.rm(before, { recursive: true, force: true });
    }
  });
});
