import { describe, expect, it } from 'vitest';
import { useStewardApp } from '@steward/test-kit';
import { createStewardClient } from './index.js';

const server = useStewardApp({ workers: false, organisation: 'Acme' });

describe('the typed client for internal tools', () => {
  it('calls the same procedures as the console with a bearer key and no cookies', async () => {
    const { key } = (await server.org.admin.agent.trpc<{ key: string }>('apiKeys.create', { organisationId: server.org.organisationId, name: 'internal tool' }, 'mutation')).data;
    const steward = createStewardClient({ baseUrl: server.app.url, apiKey: key });
    const me = await steward.me.query();
    expect(me.user.email).toBe(server.org.admin.email);
    const [users, workspaces] = await Promise.all([
      steward.users.list.query({ organisationId: server.org.organisationId }),
      steward.workspaces.list.query({ organisationId: server.org.organisationId }),
    ]);
    expect(users.members.map((m) => m.email)).toContain(server.org.admin.email);
    expect(workspaces.map((w) => w.slug)).toEqual(expect.arrayContaining(['global', 'chapter']));
    const created = await steward.workspaces.create.mutate({ organisationId: server.org.organisationId, name: 'From a tool', slug: 'from-a-tool' });
    expect(created.slug).toBe('from-a-tool');
  });

  it('surfaces refusals as typed errors with the server message', async () => {
    const steward = createStewardClient({ baseUrl: server.app.url, apiKey: 'pai_not-a-real-key' });
    await expect(steward.me.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' }, message: expect.stringContaining('not valid') });
  });
});
