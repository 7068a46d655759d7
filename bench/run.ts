/**
 * `npm run bench`: Steward's speed targets, each measured against a bare baseline in the same
 * run on the same embedded PostgreSQL, so the ratio means something on any machine.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase, createDatabaseIfMissing, migrateToLatest, sql, startEmbeddedPostgres } from '@steward/db';
import { createOrganisation } from '../apps/api/src/areas/organisations/bootstrap.js';
import { deleteWorkspace } from '../apps/api/src/areas/workspaces/workspaces.js';
import { actorFor, addMember, insertContacts } from '../packages/test-kit/src/seed.js';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TARGET_MS = 10_000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'steward-bench-'));
  await fs.chmod(dataDir, 0o755);
  const cluster = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg') });
  await createDatabaseIfMissing(cluster.url, 'bench');
  const db = connectDatabase(cluster.databaseUrl('bench'), { statementTimeoutMs: 120_000 });
  try {
    await migrateToLatest(db);
    const { organisationId, globalWorkspaceId } = await createOrganisation(db, { name: 'Bench', adminEmail: 'bench@example.org' });
    const admin = actorFor(await addMember(db, organisationId, 'bench@example.org', 'admin'));
    const newWorkspace = async (slug: string) =>
      (await db.insertInto('workspaces').values({ organisation_id: organisationId, kind: 'chapter', name: slug, slug }).returning('id').executeTakeFirstOrThrow()).id;

    const baseline: number[] = [];
    const steward: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      // Baseline: the two statements at the heart of the deletion (link to the global workspace,
      // drop the chapter's links), with nothing around them.
      const bare = await newWorkspace(`bare-${run}`);
      await insertContacts(db, organisationId, bare, CONTACTS);
      await sql`vacuum analyze contact_workspaces`.execute(db);
      let started = performance.now();
      await db.transaction().execute(async (trx) => {
        await sql`
          insert into contact_workspaces (workspace_id, contact_id, organisation_id)
          select ${globalWorkspaceId}::uuid, contact_id, organisation_id from contact_workspaces where workspace_id = ${bare}::uuid
          on conflict do nothing`.execute(trx);
        await sql`delete from contact_workspaces where workspace_id = ${bare}::uuid`.execute(trx);
      });
      baseline.push(performance.now() - started);
      await db.deleteFrom('workspaces').where('id', '=', bare).execute();

      const target = await newWorkspace(`delete-me-${run}`);
      await insertContacts(db, organisationId, target, CONTACTS);
      await sql`vacuum analyze contact_workspaces`.execute(db);
      started = performance.now();
      const result = await deleteWorkspace(db, admin, target, `delete-me-${run}`);
      steward.push(performance.now() - started);
      if (result.movedContacts !== CONTACTS) throw new Error(`Moved ${result.movedContacts} contacts, expected ${CONTACTS}`);
    }
    const left = await db
      .selectFrom('contacts as c')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('contact_workspaces as cw').select('cw.contact_id').whereRef('cw.contact_id', '=', 'c.id').where('cw.workspace_id', '=', globalWorkspaceId))),
      )
      .executeTakeFirstOrThrow();
    if (Number(left.n) !== 0) throw new Error(`${left.n} contacts were not linked to the global workspace`);

    const ms = median(steward);
    const base = median(baseline);
    console.log(`Delete a workspace with ${CONTACTS.toLocaleString('en')} contacts (median of ${RUNS}, one transaction):`);
    console.log(`  deleteWorkspace         ${ms.toFixed(0).padStart(7)} ms   [${steward.map((v) => v.toFixed(0)).join(', ')}]`);
    console.log(`  bare statements         ${base.toFixed(0).padStart(7)} ms   [${baseline.map((v) => v.toFixed(0)).join(', ')}]`);
    console.log(`  ratio                   ${(ms / base).toFixed(2)}x the baseline`);
    console.log(`  target                  < ${TARGET_MS} ms: ${ms < TARGET_MS ? 'met' : 'MISSED'}`);
    if (ms >= TARGET_MS) process.exitCode = 1;
  } finally {
    await db.destroy();
    await cluster.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
