import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, seedOrganisation, startTestApp, type SeededOrganisation, type TestApp, type TestDatabase } from '@steward/test-kit';
import { sql } from '@steward/db';
import { appRouter } from '../../router.js';
import { procedureSamples } from '../../../test/procedure-samples.js';
import { inviteUser, sendInvitationEmail } from '../users/invitations.js';
import { actorFor } from '@steward/test-kit';

let database: TestDatabase;
let app: TestApp;
let org: SeededOrganisation;
const SAMPLES = procedureSamples(() => app);

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp({ database, workers: false });
  org = await seedOrganisation(app, 'Acme');
});
afterAll(async () => {
  await app.close();
  await database.drop();
});

const procedures = (appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: string } }> } })._def.procedures;
const mutations = Object.entries(procedures)
  .filter(([, p]) => p._def.type === 'mutation')
  .map(([path]) => path);

async function entriesFor(action: string) {
  return app.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id', 'desc').execute();
}

describe('the audit log', () => {
  it.each(mutations.filter((m) => m !== 'invitations.accept'))('%s writes an entry naming the actor, the request and the change', async (path) => {
    const sample = SAMPLES[path];
    expect(sample, `${path} needs a sample in test/procedure-samples.ts`).toBeDefined();
    const workspaceId = (await app.db.insertInto('workspaces').values({ organisation_id: org.organisationId, kind: 'chapter', name: path, slug: `a-${Math.random().toString(36).slice(2, 10)}` }).returning('id').executeTakeFirstOrThrow()).id;
    const before = (await entriesFor(path)).length;
    const result = await org.admin.agent.trpc(path, await sample!({ organisationId: org.organisationId, workspaceId, caller: org.admin, admin: org.admin }), 'mutation');
    expect(result.error, result.text).toBeNull();
    const entries = await entriesFor(path);
    expect(entries.length).toBe(before + 1);
    expect(entries[0]).toMatchObject({ organisation_id: org.organisationId, actor_user_id: org.admin.id, actor_email: org.admin.email, actor_api_key_id: null, ip: expect.any(String) });
    expect(entries[0]!.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('invitations.accept writes an entry for the invitee', async () => {
    const invitation = await inviteUser(app, actorFor(org.admin), org.organisationId, { email: 'joiner@example.org', orgRole: 'member', workspaces: [] });
    await sendInvitationEmail(app, { invitationId: invitation.id, retryCount: 0, retryLimit: 0 });
    const { text } = await app.db.selectFrom('dev_outbox').select('text').where('to_email', '=', 'joiner@example.org').executeTakeFirstOrThrow();
    const token = new URL(/https?:\/\/\S+/.exec(text)![0]).searchParams.get('token')!;
    const joiner = await app.signIn('joiner@example.org');
    expect((await joiner.trpc('invitations.accept', { token }, 'mutation')).error).toBeNull();
    const [entry] = await entriesFor('invitations.accept');
    expect(entry).toMatchObject({ actor_email: 'joiner@example.org', target_id: invitation.id });
  });

  it('records before and after of a role change', async () => {
    const [entry] = await entriesFor('users.changeOrgRole');
    expect(entry!.before).toEqual({ orgRole: 'member' });
    expect(entry!.after).toEqual({ orgRole: 'billing_admin' });
  });

  it('records the API key a change was made with', async () => {
    const { key, id } = (await org.admin.agent.trpc<{ key: string; id: string }>('apiKeys.create', { organisationId: org.organisationId, name: 'audit' }, 'mutation')).data;
    const response = await fetch(`${app.url}/api/v1/organisations/${org.organisationId}/workspaces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Via key', slug: 'via-key' }),
    });
    expect(response.status).toBe(200);
    const [entry] = await entriesFor('workspaces.create');
    expect(entry).toMatchObject({ actor_api_key_id: id, actor_user_id: org.admin.id });
  });

  it('keeps counts whose names merely mention keys', async () => {
    const [entry] = await entriesFor('users.remove');
    expect(entry!.after).toMatchObject({ revokedApiKeys: 0 });
  });

  it('answers 400 to a date out of range', async () => {
    const result = await org.admin.agent.trpc('audit.list', { organisationId: org.organisationId, from: '-271821-04-20' });
    expect(result.status).toBe(400);
  });

  it('replaces secret values with a marker', async () => {
    await org.admin.agent.trpc('integrations.saveMailerSend', { organisationId: org.organisationId, apiKey: 'mlsn.audit-secret-value-123' }, 'mutation');
    const [entry] = await entriesFor('integrations.saveMailerSend');
    expect(JSON.stringify(entry)).not.toContain('audit-secret-value');
    expect(entry!.after).toMatchObject({ apiKey: '[secret]' });
  });

  it('cannot be changed or deleted, even directly in the database', async () => {
    await expect(sql`update audit_log set action = 'forged'`.execute(app.db)).rejects.toThrow(/cannot be changed or deleted/);
    await expect(sql`delete from audit_log`.execute(app.db)).rejects.toThrow(/cannot be changed or deleted/);
    await expect(sql`truncate audit_log`.execute(app.db)).rejects.toThrow(/cannot be changed or deleted/);
    expect(mutations.filter((m) => m.startsWith('audit.'))).toEqual([]);
  });

  it('is browsed by organisation admins with filters and paging, and by no one else', async () => {
    const list = (input: Record<string, unknown>) =>
      org.admin.agent.trpc<{ entries: { action: string; actorUserId: string }[]; total: number; actions: string[] }>('audit.list', { organisationId: org.organisationId, ...input });
    const all = await list({ pageSize: 5 });
    expect(all.data.entries).toHaveLength(5);
    expect(all.data.total).toBeGreaterThan(10);
    expect(all.data.actions).toContain('workspaces.delete');
    const filtered = await list({ action: 'workspaces.delete' });
    expect(filtered.data.entries.every((e) => e.action === 'workspaces.delete')).toBe(true);
    const byActor = await list({ actorUserId: org.admin.id, pageSize: 200 });
    expect(byActor.data.entries.every((e) => e.actorUserId === org.admin.id)).toBe(true);
    const future = await list({ from: new Date(Date.now() + 3600_000).toISOString() });
    expect(future.data.total).toBe(0);
    const other = await seedOrganisation(app, 'Other');
    expect((await other.admin.agent.trpc('audit.list', { organisationId: org.organisationId })).error?.data.code).toBe('NOT_FOUND');
    const otherList = await other.admin.agent.trpc<{ total: number }>('audit.list', { organisationId: other.organisationId });
    expect(otherList.data.total).toBe(0);
  });
});
