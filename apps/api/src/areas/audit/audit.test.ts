import { describe, expect, it } from 'vitest';
import { addSignedInMember, seedOrganisation, useStewardApp } from '@steward/test-kit';
import { sql } from '@steward/db';
import { appRouter } from '../../router.js';
import { procedureSamples } from '../../../test/procedure-samples.js';
import { inviteUser, sendInvitationEmail } from '../users/invitations.js';
import { actorFor } from '@steward/test-kit';

// With the Stripe stand-in, so that the billing mutations have a provider to act through.
const steward = useStewardApp({ workers: false, organisation: 'Acme', fakeStripe: true });
const SAMPLES = procedureSamples(() => steward.app);

const procedures = (appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: string } }> } })._def.procedures;
const mutations = Object.entries(procedures)
  .filter(([, p]) => p._def.type === 'mutation')
  .map(([path]) => path);

async function entriesFor(action: string) {
  return steward.app.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id', 'desc').execute();
}

describe('the audit log', () => {
  // These are made by someone other than the admin (the invitee, a member who leaves), or in an
  // organisation that does not exist before the call (its own test below).
  it.each(mutations.filter((m) => m !== 'invitations.accept' && m !== 'users.leave' && m !== 'organisations.create'))('%s writes an entry naming the actor, the request and the change', async (path) => {
    const sample = SAMPLES[path];
    expect(sample, `${path} needs a sample in test/procedure-samples.ts`).toBeDefined();
    const workspaceId = (await steward.app.db.insertInto('workspaces').values({ organisation_id: steward.org.organisationId, kind: 'chapter', name: path, slug: `a-${Math.random().toString(36).slice(2, 10)}` }).returning('id').executeTakeFirstOrThrow()).id;
    const before = (await entriesFor(path)).length;
    const input = (await sample!({ organisationId: steward.org.organisationId, workspaceId, caller: steward.org.admin, admin: steward.org.admin })) as { organisationId?: unknown };
    const result = await steward.org.admin.agent.trpc(path, input, 'mutation');
    expect(result.error, result.text).toBeNull();
    const entries = await entriesFor(path);
    expect(entries.length).toBe(before + 1);
    // Some samples act on an organisation of their own (one to delete, one with a subscription).
    const organisationId = typeof input.organisationId === 'string' ? input.organisationId : steward.org.organisationId;
    expect(entries[0]).toMatchObject({ organisation_id: organisationId, actor_user_id: steward.org.admin.id, actor_email: steward.org.admin.email, actor_api_key_id: null, ip: expect.any(String) });
    expect(entries[0]!.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('organisations.create writes an entry in the new organisation, naming its creator', async () => {
    const created = await steward.org.admin.agent.trpc<{ id: string }>('organisations.create', { name: 'Audited Org' }, 'mutation');
    expect(created.error, created.text).toBeNull();
    const [entry] = await entriesFor('organisations.create');
    expect(entry).toMatchObject({ organisation_id: created.data.id, actor_user_id: steward.org.admin.id, target_id: created.data.id, after: { name: 'Audited Org' } });
    expect(entry!.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('users.leave writes an entry for the person leaving', async () => {
    const leaver = await addSignedInMember(steward.app, steward.org.organisationId, 'leaver@audit.example', 'member');
    expect((await leaver.agent.trpc('users.leave', { organisationId: steward.org.organisationId }, 'mutation')).error).toBeNull();
    const [entry] = await entriesFor('users.leave');
    expect(entry).toMatchObject({ actor_user_id: leaver.id, target_id: leaver.id, before: { orgRole: 'member' } });
  });

  it('invitations.accept writes an entry for the invitee', async () => {
    const invitation = await inviteUser(steward.app, actorFor(steward.org.admin), steward.org.organisationId, { email: 'joiner@example.org', orgRole: 'member', workspaces: [] });
    await sendInvitationEmail(steward.app, { invitationId: invitation.id, retryCount: 0, retryLimit: 0 });
    const { text } = await steward.app.db.selectFrom('dev_outbox').select('text').where('to_email', '=', 'joiner@example.org').executeTakeFirstOrThrow();
    const token = new URL(/https?:\/\/\S+/.exec(text)![0]).searchParams.get('token')!;
    const joiner = await steward.app.signIn('joiner@example.org');
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
    const { key, id } = (await steward.org.admin.agent.trpc<{ key: string; id: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'audit' }, 'mutation')).data;
    const response = await fetch(`${steward.app.url}/api/v1/organisations/${steward.org.organisationId}/workspaces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Via key', slug: 'via-key' }),
    });
    expect(response.status).toBe(200);
    const [entry] = await entriesFor('workspaces.create');
    expect(entry).toMatchObject({ actor_api_key_id: id, actor_user_id: steward.org.admin.id });
  });

  it('keeps counts whose names merely mention keys', async () => {
    const [entry] = await entriesFor('users.remove');
    expect(entry!.after).toMatchObject({ revokedApiKeys: 0 });
  });

  it('answers 400 to a date out of range', async () => {
    const result = await steward.org.admin.agent.trpc('audit.list', { organisationId: steward.org.organisationId, from: '-271821-04-20' });
    expect(result.status).toBe(400);
  });

  it('replaces secret values with a marker', async () => {
    await steward.org.admin.agent.trpc('integrations.saveMailerSend', { organisationId: steward.org.organisationId, apiKey: 'mlsn.audit-secret-value-123' }, 'mutation');
    const [entry] = await entriesFor('integrations.saveMailerSend');
    expect(JSON.stringify(entry)).not.toContain('audit-secret-value');
    expect(entry!.after).toMatchObject({ apiKey: '[secret]' });
  });

  it('cannot be changed or deleted, even directly in the database', async () => {
    await expect(sql`update audit_log set action = 'forged'`.execute(steward.app.db)).rejects.toThrow(/cannot be changed or deleted/);
    await expect(sql`delete from audit_log`.execute(steward.app.db)).rejects.toThrow(/cannot be changed or deleted/);
    await expect(sql`truncate audit_log`.execute(steward.app.db)).rejects.toThrow(/cannot be changed or deleted/);
    expect(mutations.filter((m) => m.startsWith('audit.'))).toEqual([]);
  });

  it('is browsed by organisation admins with filters and paging, and by no one else', async () => {
    const list = (input: Record<string, unknown>) =>
      steward.org.admin.agent.trpc<{ entries: { action: string; actorUserId: string }[]; total: number; actions: string[] }>('audit.list', { organisationId: steward.org.organisationId, ...input });
    const all = await list({ pageSize: 5 });
    expect(all.data.entries).toHaveLength(5);
    expect(all.data.total).toBeGreaterThan(10);
    expect(all.data.actions).toContain('workspaces.delete');
    const filtered = await list({ action: 'workspaces.delete' });
    expect(filtered.data.entries.every((e) => e.action === 'workspaces.delete')).toBe(true);
    const byActor = await list({ actorUserId: steward.org.admin.id, pageSize: 200 });
    expect(byActor.data.entries.every((e) => e.actorUserId === steward.org.admin.id)).toBe(true);
    const future = await list({ from: new Date(Date.now() + 3600_000).toISOString() });
    expect(future.data.total).toBe(0);
    const other = await seedOrganisation(steward.app, 'Other');
    expect((await other.admin.agent.trpc('audit.list', { organisationId: steward.org.organisationId })).error?.data.code).toBe('NOT_FOUND');
    const otherList = await other.admin.agent.trpc<{ total: number }>('audit.list', { organisationId: other.organisationId });
    expect(otherList.data.total).toBe(0);
  });
});
