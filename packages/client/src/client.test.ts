import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, seedOrganisation, startTestApp, type SeededOrganisation, type TestApp, type TestDatabase } from '@steward/test-kit';
import { createStewardClient } from './index.js';

let database: TestDatabase;
let app: TestApp;
let org: SeededOrganisation;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp({ database, workers: false });
  org = await seedOrganisation(app, 'Acme');
});
afterAll(async () => {
  await app.close();
  await database.drop();
});

describe('the typed client for internal tools', () => {
  it('calls the same procedures as the console with a bearer key and no cookies', async () => {
    const { key } = (await org.admin.agent.trpc<{ key: string }>('apiKeys.create', { organisationId: org.organisationId, name: 'internal tool' }, 'mutation')).data;
    const steward = createStewardClient({ baseUrl: app.url, apiKey: key });
    const me = await steward.me.query();
    expect(me.user.email).toBe(org.admin.email);
    const [users, workspaces] = await Promise.all([
      steward.users.list.query({ organisationId: org.organisationId }),
      steward.workspaces.list.query({ organisationId: org.organisationId }),
    ]);
    expect(users.members.map((m) => m.email)).toContain(org.admin.email);
    expect(workspaces.map((w) => w.slug)).toEqual(expect.arrayContaining(['global', 'chapter']));
    const created = await steward.workspaces.create.mutate({ organisationId: org.organisationId, name: 'From a tool', slug: 'from-a-tool' });
    expect(created.slug).toBe('from-a-tool');
  });

  it('surfaces refusals as typed errors with the server message', async () => {
    const steward = createStewardClient({ baseUrl: app.url, apiKey: 'pai_not-a-real-key' });
    await expect(steward.me.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' }, message: expect.stringContaining('not valid') });
  });
});
