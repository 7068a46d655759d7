/**
 * Deleting a pipeline stage that 100,000 deals use: `deleteStage` moves them to the chosen stage
 * in one transaction (with the webhook events of each move and the audit entry), against a bare
 * baseline of the one UPDATE at its heart, in the same run on the same embedded PostgreSQL.
 * Every deal is checked to be in the chosen stage afterwards.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase, createDatabaseIfMissing, migrateToLatest, sql, startEmbeddedPostgres } from '@steward/db';
import { createOrganisation } from '../apps/api/src/areas/organisations/bootstrap.js';
import { deleteStage } from '../apps/api/src/areas/pipeline/stages.js';
import { actorFor, addMember } from '../packages/test-kit/src/seed.js';

const DEALS = Number(process.env.BENCH_DEALS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'steward-bench-pipeline-'));
  await fs.chmod(dataDir, 0o755);
  const cluster = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg') });
  await createDatabaseIfMissing(cluster.url, 'bench');
  const db = connectDatabase(cluster.databaseUrl('bench'), { statementTimeoutMs: 300_000 });
  try {
    await migrateToLatest(db);
    const { organisationId } = await createOrganisation(db, { name: 'Bench', adminEmail: 'bench@example.org' });
    const admin = actorFor(await addMember(db, organisationId, 'bench@example.org', 'admin'));

    /** A new workspace (its default stages come with it) whose first stage holds DEALS deals. */
    const workspaceWithDeals = async (slug: string) => {
      const workspaceId = (await db.insertInto('workspaces').values({ organisation_id: organisationId, kind: 'chapter', name: slug, slug }).returning('id').executeTakeFirstOrThrow()).id;
      const stages = await db.selectFrom('pipeline_stages').select(['id', 'name']).where('workspace_id', '=', workspaceId).orderBy('position').execute();
      const [from, to] = [stages[0]!, stages[1]!];
      await sql`
        insert into deals (organisation_id, workspace_id, name, amount, currency, stage_id)
        select ${organisationId}::uuid, ${workspaceId}::uuid, 'Deal ' || n, (n % 1000) * 10, 'EUR', ${from.id}::uuid
        from generate_series(1, ${DEALS}::int) as n`.execute(db);
      await sql`vacuum analyze deals`.execute(db);
      return { workspaceId, from, to };
    };

    const baseline: number[] = [];
    const steward: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const bare = await workspaceWithDeals(`bare-${run}`);
      let started = performance.now();
      await db.transaction().execute(async (trx) => {
        await sql`update deals set stage_id = ${bare.to.id}::uuid, updated_at = now() where stage_id = ${bare.from.id}::uuid and workspace_id = ${bare.workspaceId}::uuid`.execute(trx);
        await sql`delete from pipeline_stages where id = ${bare.from.id}::uuid`.execute(trx);
      });
      baseline.push(performance.now() - started);

      const place = await workspaceWithDeals(`delete-stage-${run}`);
      started = performance.now();
      const result = await deleteStage(db, admin, { organisationId, workspaceId: place.workspaceId }, place.from.id, place.to.id);
      steward.push(performance.now() - started);
      if (result.movedDeals !== DEALS) throw new Error(`Moved ${result.movedDeals} deals, expected ${DEALS}`);
      const inNewStage = await db.selectFrom('deals').select((eb) => eb.fn.countAll<string>().as('n')).where('stage_id', '=', place.to.id).executeTakeFirstOrThrow();
      if (Number(inNewStage.n) !== DEALS) throw new Error(`${inNewStage.n} deals in '${place.to.name}', expected ${DEALS}`);
      await db.deleteFrom('deals').where('workspace_id', 'in', [bare.workspaceId, place.workspaceId]).execute();
    }

    const ms = median(steward);
    const base = median(baseline);
    console.log(`Delete a pipeline stage used by ${DEALS.toLocaleString('en')} deals, moving them (median of ${RUNS}, one transaction):`);
    console.log(`  deleteStage             ${ms.toFixed(0).padStart(7)} ms   [${steward.map((v) => v.toFixed(0)).join(', ')}]`);
    console.log(`  bare UPDATE + DELETE    ${base.toFixed(0).padStart(7)} ms   [${baseline.map((v) => v.toFixed(0)).join(', ')}]`);
    console.log(`  ratio                   ${(ms / base).toFixed(2)}x the baseline`);
    console.log('  (issue 14 sets no target: the figure goes in the note)');
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
