import { describe, expect, it } from 'vitest';
import { addSignedInMember, seedOrganisation, useStewardApp } from '@steward/test-kit';

/** Issue 14: a key restricted to one workspace reaches nothing else; that workspace's admins see and revoke it. */

const steward = useStewardApp({ workers: false, env: { REST_RATE_LIMIT_PER_MINUTE: '1000' }, organisation: 'Acme' });

type Agent = typeof steward.org.admin.agent;

async function createKey(agent: Agent, input: Record<string, unknown>) {
  return agent.trpc<{ id: string; key: string; workspaceId: string | null }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'Script', ...input }, 'mutation');
}

const rest = (key: string, path: string, init: RequestInit = {}) =>
  fetch(`${steward.app.url}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

async function newWorkspace(slug: string) {
  return (await steward.app.db.insertInto('workspaces').values({ organisation_id: steward.org.organisationId, kind: 'chapter', name: slug, slug }).returning('id').executeTakeFirstOrThrow()).id;
}

describe('a key restricted to one workspace', () => {
  it('reaches that workspace and nothing else, whatever its owner holds', async () => {
    const elsewhere = await newWorkspace('elsewhere');
    // The owner is an organisation admin, who reaches every workspace and every setting.
    const created = await createKey(steward.org.admin.agent, { scope: 'admin', workspaceId: steward.org.chapterWorkspaceId });
    expect(created.error, created.text).toBeNull();
    const { key } = created.data;
    expect(created.data.workspaceId).toBe(steward.org.chapterWorkspaceId);

    expect((await rest(key, `/workspaces/${steward.org.chapterWorkspaceId}/contacts`)).status).toBe(200);
    expect((await rest(key, `/workspaces/${steward.org.chapterWorkspaceId}`, { method: 'PATCH', body: JSON.stringify({ name: 'Paris' }) })).status).toBe(200);
    for (const workspaceId of [elsewhere, steward.org.globalWorkspaceId]) {
      expect((await rest(key, `/workspaces/${workspaceId}/contacts`)).status).toBe(404);
      expect((await rest(key, `/workspaces/${workspaceId}`, { method: 'PATCH', body: JSON.stringify({ name: 'Taken' }) })).status).toBe(404);
    }
    const organisation = await rest(key, `/organisations/${steward.org.organisationId}/users`);
    expect(organisation.status).toBe(403);
    expect(((await organisation.json()) as { message: string }).message).toContain('restricted to one workspace');
    expect((await rest(key, `/organisations/${steward.org.organisationId}/workspaces`)).status).toBe(403);

    // A field of another workspace, addressed by its id alone, is not there either.
    const field = await steward.org.admin.agent.trpc<{ id: string }>('fields.create', { workspaceId: elsewhere, entity: 'contact', label: 'Budget', type: 'number' }, 'mutation');
    expect(field.error, field.text).toBeNull();
    expect((await rest(key, `/fields/${field.data.id}`, { method: 'PATCH', body: JSON.stringify({ label: 'Renamed' }) })).status).toBe(404);

    // `me` shows the one workspace.
    const me = (await (await rest(key, '/me')).json()) as { organisations: { workspaces: { id: string }[] }[] };
    expect(me.organisations.flatMap((o) => o.workspaces.map((w) => w.id))).toEqual([steward.org.chapterWorkspaceId]);
    // The same key over tRPC in one batch: the bound workspace answers, the other does not.
    const batch = await fetch(`${steward.app.url}/trpc/contacts.list,contacts.list?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: { workspaceId: steward.org.chapterWorkspaceId }, 1: { workspaceId: elsewhere } }))}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const answers = (await batch.json()) as { result?: unknown; error?: { data: { code: string } } }[];
    expect(answers[0]!.result).toBeDefined();
    expect(answers[1]!.error?.data.code).toBe('NOT_FOUND');
  });

  it('can only be made for a workspace of the organisation in which its owner has a role', async () => {
    const member = await addSignedInMember(steward.app, steward.org.organisationId, 'bound-member@acme.example', 'member', [{ workspaceId: steward.org.chapterWorkspaceId, role: 'viewer' }]);
    expect((await createKey(member.agent, { scope: 'read', workspaceId: steward.org.chapterWorkspaceId })).error).toBeNull();
    const noRole = await createKey(member.agent, { scope: 'read', workspaceId: await newWorkspace('no-role-here') });
    expect(noRole.error?.data.code).toBe('FORBIDDEN');
    expect(noRole.error?.message).toContain('no role in that workspace');
    const other = await seedOrganisation(steward.app, 'Elsewhere Inc');
    expect((await createKey(steward.org.admin.agent, { workspaceId: other.chapterWorkspaceId })).error?.data.code).toBe('NOT_FOUND');
  });

  it('goes when its workspace is deleted', async () => {
    const doomed = await newWorkspace('doomed');
    const { data } = await createKey(steward.org.admin.agent, { workspaceId: doomed });
    expect((await rest(data.key, `/workspaces/${doomed}/contacts`)).status).toBe(200);
    await steward.app.db.deleteFrom('workspaces').where('id', '=', doomed).execute();
    expect((await rest(data.key, '/me')).status).toBe(401);
  });
});

describe('a key restricted to one workspace, on people known elsewhere too', () => {
  it('cannot delete a person everywhere when other workspaces know them, where an unrestricted key of the same owner may', async () => {
    const elsewhere = await newWorkspace('also-knows');
    const created = await steward.org.admin.agent.trpc<{ id: string }>('contacts.create', { workspaceId: steward.org.chapterWorkspaceId, firstName: 'Shared', email: 'shared@example.org' }, 'mutation');
    expect(created.error, created.text).toBeNull();
    expect((await steward.org.admin.agent.trpc('contacts.link', { workspaceId: elsewhere, email: 'shared@example.org' }, 'mutation')).error).toBeNull();
    const bound = (await createKey(steward.org.admin.agent, { scope: 'admin', workspaceId: steward.org.chapterWorkspaceId })).data;

    const refused = await rest(bound.key, `/contacts/${created.data.id}/everywhere?workspaceId=${steward.org.chapterWorkspaceId}`, { method: 'DELETE' });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toContain('restricted to one workspace');
    expect(await steward.app.db.selectFrom('contacts').select('id').where('id', '=', created.data.id).executeTakeFirst()).toBeDefined();

    // The same owner with an unrestricted key may (an organisation admin deletes everywhere).
    const unbound = (await createKey(steward.org.admin.agent, { scope: 'admin' })).data;
    expect((await rest(unbound.key, `/contacts/${created.data.id}/everywhere?workspaceId=${steward.org.chapterWorkspaceId}`, { method: 'DELETE' })).status).toBe(200);
  });
});

describe("a workspace's admins", () => {
  it('see and revoke the keys bound to their workspace, whoever owns them, and no others', async () => {
    const workspaceId = await newWorkspace('keys-here');
    const otherWorkspace = await newWorkspace('keys-there');
    const wsAdmin = await addSignedInMember(steward.app, steward.org.organisationId, 'ws-admin@acme.example', 'member', [{ workspaceId, role: 'admin' }]);
    const writer = await addSignedInMember(steward.app, steward.org.organisationId, 'ws-writer@acme.example', 'member', [
      { workspaceId, role: 'member' },
      { workspaceId: otherWorkspace, role: 'member' },
    ]);
    const bound = (await createKey(writer.agent, { name: 'Zapier', scope: 'read_write', workspaceId })).data;
    const boundElsewhere = (await createKey(writer.agent, { name: 'Elsewhere', scope: 'read', workspaceId: otherWorkspace })).data;
    const unbound = (await createKey(writer.agent, { name: 'Unbound', scope: 'read' })).data;

    const listed = await wsAdmin.agent.trpc<{ keys: { id: string; name: string; ownerEmail: string }[]; total: number }>('workspaceApiKeys.list', { workspaceId });
    expect(listed.error, listed.text).toBeNull();
    expect(listed.data.keys.map((k) => [k.name, k.ownerEmail])).toEqual([['Zapier', 'ws-writer@acme.example']]);
    expect(listed.data.total).toBe(1);
    expect(listed.text).not.toContain(bound.key);

    for (const apiKeyId of [boundElsewhere.id, unbound.id]) {
      const refused = await wsAdmin.agent.trpc('workspaceApiKeys.revoke', { workspaceId, apiKeyId }, 'mutation');
      expect(refused.error?.data.code).toBe('NOT_FOUND');
    }
    // Another workspace's list is not theirs to see.
    expect((await wsAdmin.agent.trpc('workspaceApiKeys.list', { workspaceId: otherWorkspace })).error?.data.code).toBe('FORBIDDEN');
    // A member of the workspace is not one of its admins.
    expect((await writer.agent.trpc('workspaceApiKeys.list', { workspaceId })).error?.data.code).toBe('FORBIDDEN');

    expect((await rest(bound.key, `/workspaces/${workspaceId}/contacts`)).status).toBe(200);
    const revoked = await wsAdmin.agent.trpc('workspaceApiKeys.revoke', { workspaceId, apiKeyId: bound.id }, 'mutation');
    expect(revoked.error, revoked.text).toBeNull();
    expect((await rest(bound.key, `/workspaces/${workspaceId}/contacts`)).status).toBe(401);
    expect((await rest(boundElsewhere.key, `/workspaces/${otherWorkspace}/contacts`)).status).toBe(200);

    const audit = await steward.app.db.selectFrom('audit_log').select(['actor_email', 'workspace_id']).where('action', '=', 'workspaceApiKeys.revoke').where('target_id', '=', bound.id).execute();
    expect(audit).toEqual([{ actor_email: 'ws-admin@acme.example', workspace_id: workspaceId }]);
  });
});
