import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@steward/test-kit';
import { REPO_ROOT } from '../src/config.js';

const run = promisify(execFile);
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

function steward(args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'apps/api/src/cli.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: database.url, NODE_ENV: 'development' },
  });
}

describe('npm run steward -- bootstrap', () => {
  it('creates an organisation with its global workspace and a pending admin', async () => {
    const { stdout } = await steward(['bootstrap', '--org', 'Northwind', '--admin', 'Boss@Northwind.example']);
    expect(stdout).toContain('Created organisation "Northwind"');
    expect(stdout).toContain('boss@northwind.example becomes its admin at their first sign-in');
    const org = await database.db.selectFrom('organisations').select('id').where('name', '=', 'Northwind').executeTakeFirstOrThrow();
    const workspaces = await database.db.selectFrom('workspaces').select('kind').where('organisation_id', '=', org.id).execute();
    expect(workspaces).toEqual([{ kind: 'global' }]);
    const grant = await database.db.selectFrom('invitations').select(['email', 'org_role']).where('organisation_id', '=', org.id).executeTakeFirstOrThrow();
    expect(grant).toEqual({ email: 'boss@northwind.example', org_role: 'admin' });
  });

  it('explains what is missing instead of failing obscurely', async () => {
    const failure = await steward(['bootstrap', '--org', 'X']).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain('bootstrap needs --org and a valid --admin email');
  });
});
