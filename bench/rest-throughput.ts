/**
 * REST throughput of the users list with a bearer key at 32 connections, next to a bare Express +
 * `pg` route that does the same key check and SQL (bench/bare-users-server.ts), in the same run.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase, createDatabaseIfMissing, migrateToLatest, startEmbeddedPostgres } from '@steward/db';
import { createOrganisation } from '../apps/api/src/areas/organisations/bootstrap.js';
import { createApiKey } from '../apps/api/src/areas/api-keys/api-keys.js';
import { TEST_SECRET_KEY } from '../packages/test-kit/src/app.js';
import { actorFor, addMember } from '../packages/test-kit/src/seed.js';
import { buildProductionServer, compareThroughput, printThroughput, startServerProcess } from './load.js';

const CONNECTIONS = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const TARGET_RATIO = 0.7;

async function main() {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'steward-bench-rest-'));
  await fs.chmod(dataDir, 0o755);
  const cluster = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg') });
  await createDatabaseIfMissing(cluster.url, 'bench');
  const databaseUrl = cluster.databaseUrl('bench');
  const db = connectDatabase(databaseUrl);
  const servers: { stop(): Promise<void> }[] = [];
  try {
    const progress = (step: string) => console.error(`  … ${step}`);
    await migrateToLatest(db);
    progress('migrated; seeding 60 members');
    const { organisationId, globalWorkspaceId } = await createOrganisation(db, { name: 'Bench', adminEmail: 'bench@example.org' });
    const admin = await addMember(db, organisationId, 'bench@example.org', 'admin');
    const chapters = await db
      .insertInto('workspaces')
      .values(['north', 'south', 'east'].map((slug) => ({ organisation_id: organisationId, kind: 'chapter' as const, name: slug, slug })))
      .returning('id')
      .execute();
    for (let i = 0; i < 60; i++) {
      await addMember(db, organisationId, `member${i}@example.org`, 'member', [
        { workspaceId: globalWorkspaceId, role: 'viewer' },
        { workspaceId: chapters[i % 3]!.id, role: i % 2 ? 'member' : 'admin' },
      ]);
    }
    await db
      .insertInto('invitations')
      .values(Array.from({ length: 10 }, (_, i) => ({ organisation_id: organisationId, email: `invited${i}@example.org`, org_role: 'member' as const, kind: 'link' as const, invited_by: admin.id, workspace_roles: JSON.stringify([]), expires_at: new Date(Date.now() + 86_400_000) })))
      .execute();
    const { key } = await createApiKey(db, actorFor(admin), organisationId, { name: 'bench', scope: 'read' });

    progress('starting Steward and the bare server');
    const steward = await startServerProcess(
      await buildProductionServer(), {
      NODE_ENV: 'test', DATABASE_URL: databaseUrl, STEWARD_SECRET_KEY: TEST_SECRET_KEY, STEWARD_DEV_SIGN_IN: 'on',
      LOG_LEVEL: 'info', REST_RATE_LIMIT_PER_MINUTE: '100000000',
    }, 'Steward is running');
    servers.push(steward);
    const bare = await startServerProcess('bench/bare-users-server.ts', { DATABASE_URL: databaseUrl }, 'bare server ready');
    servers.push(bare);

    const request = (base: string) => ({ url: `${base}/api/v1/organisations/${organisationId}/users?pageSize=25`, headers: { authorization: `Bearer ${key}` }, connections: CONNECTIONS });
    const check = async (base: string) => {
      const response = await fetch(request(base).url, { headers: request(base).headers });
      const body = (await response.json()) as { members?: unknown[]; total?: number };
      if (response.status !== 200 || body.members?.length !== 25 || body.total !== 61) throw new Error(`${base} answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
    };
    progress('measuring');
    await check(steward.url);
    await check(bare.url);
    const comparison = await compareThroughput({ steward, bare, request, seconds: SECONDS, rounds: ROUNDS });
    console.log(`REST users list with a bearer key, ${CONNECTIONS} connections, ${ROUNDS} × ${SECONDS} s each:`);
    printThroughput('GET /api/v1/organisations/{id}/users', comparison, TARGET_RATIO);
    if (comparison.ratio < TARGET_RATIO) process.exitCode = 1;
  } finally {
    for (const server of servers.reverse()) await server.stop();
    await db.destroy();
    await cluster.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
