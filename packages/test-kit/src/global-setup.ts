import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PgBoss } from 'pg-boss';
import type { TestProject } from 'vitest/node';
import { connectDatabase, createDatabaseIfMissing, migrateToLatest, startEmbeddedPostgres } from '@steward/db';
import { TEMPLATE_DATABASE } from './template.js';

import './provided-context.js';

/**
 * One embedded cluster per test run. The schema is migrated once into a template database;
 * each test file then copies it (`create database … template …`), which takes milliseconds.
 */
export default async function setup(project: TestProject) {
  // Under the system temp folder: the `postgres` user the cluster runs as (when we are root)
  // must be able to reach it, which a clone under /root would not allow.
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'steward-test-pg-'));
  await fs.chmod(dataDir, 0o755);
  const cluster = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'data'), durable: false });
  await createDatabaseIfMissing(cluster.url, TEMPLATE_DATABASE);
  const template = connectDatabase(cluster.databaseUrl(TEMPLATE_DATABASE));
  await migrateToLatest(template);
  await template.destroy();
  // pg-boss installs its schema on first start; doing it once here spares every test file.
  const boss = new PgBoss({ connectionString: cluster.databaseUrl(TEMPLATE_DATABASE), schema: 'pgboss', supervise: false, schedule: false });
  await boss.start();
  await boss.stop({ graceful: false });
  project.provide('postgresServerUrl', cluster.databaseUrl(''));
  return async () => {
    await cluster.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  };
}
