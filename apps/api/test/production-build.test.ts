import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, startApiProcess, type ApiProcess, type TestDatabase } from '@steward/test-kit';
import { REPO_ROOT } from '../src/config.js';

const run = promisify(execFile);
let database: TestDatabase;
let api: ApiProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  await run(process.execPath, ['build.mjs'], { cwd: `${REPO_ROOT}/apps/api` });
  api = await startApiProcess({ databaseUrl: database.url, compiled: true });
}, 90_000);
afterAll(async () => {
  await api?.stop();
  await database?.drop();
});

describe('the production build', () => {
  it('starts from compiled JavaScript, with no TypeScript loader, and serves', async () => {
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    const admin = await api.signIn('compiled@example.org');
    expect((await admin.trpc('me')).status).toBe(200);
  });

  it('has a CLI of its own', async () => {
    const { stdout } = await run(process.execPath, ['apps/api/dist/cli.js', 'bootstrap', '--org', 'Compiled', '--admin', 'boss@compiled.example'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: database.url, NODE_ENV: 'development' },
    });
    expect(stdout).toContain('Created organisation "Compiled"');
  });
});
