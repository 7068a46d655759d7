import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, findFreePort, startEmbeddedPostgres, type Db, type EmbeddedDatabase } from '@steward/db';
import { startTestApp, type TestApp } from '@steward/test-kit';

// This file owns a cluster of its own, because it stops and restarts it.
let dataDir: string;
let port: number;
let cluster: EmbeddedDatabase;
let db: Db;
let app: TestApp;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'steward-health-'));
  await fs.chmod(dataDir, 0o755);
  port = await findFreePort();
  cluster = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port, durable: false });
  db = connectDatabase(cluster.url, { maxConnections: 2 });
  app = await startTestApp({ database: { db, url: cluster.url }, workers: false });
}, 120_000);

afterAll(async () => {
  await app.close();
  await db.destroy();
  await cluster.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('GET /healthz', () => {
  it('is 200 while the database is up, 503 while it is stopped, and 200 again once it is back, without a restart', async () => {
    const up = await fetch(`${app.url}/healthz`);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ status: 'ok', database: 'up' });

    await cluster.stop();
    const down = await fetch(`${app.url}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'unavailable', database: 'down' });

    cluster = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port, durable: false });
    const back = await fetch(`${app.url}/healthz`);
    expect(back.status).toBe(200);
  }, 60_000);
});
