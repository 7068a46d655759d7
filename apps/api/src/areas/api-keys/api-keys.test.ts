import { describe, expect, it } from 'vitest';
import { connectDatabase } from '@steward/db';
import { addMember, addSignedInMember, seedOrganisation, startTestApp, useStewardApp } from '@steward/test-kit';

const steward = useStewardApp({ workers: false, env: { REST_RATE_LIMIT_PER_MINUTE: '1000' }, organisation: 'Acme' });

async function createKey(agent = steward.org.admin.agent, input: Record<string, unknown> = {}) {
  const created = await agent.trpc<{ id: string; key: string; prefix: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'Integration', ...input }, 'mutation');
  expect(created.error, created.text).toBeNull();
  return created.data;
}

const rest = (key: string, path: string, init: RequestInit = {}) =>
  fetch(`${steward.app.url}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

describe('API keys', () => {
  it('shows the full key once, stores only its hash, and lists it by prefix', async () => {
    const { id, key, prefix } = await createKey();
    expect(key).toMatch(/^pai_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(4), 'base64url').length * 8).toBeGreaterThanOrEqual(160);
    const stored = await steward.app.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(key.slice(4));
    const listed = await steward.org.admin.agent.trpc('apiKeys.list', { organisationId: steward.org.organisationId });
    expect(listed.text).toContain(prefix);
    expect(listed.text).not.toContain(key);
    expect(stored.scope).toBe('admin');
  });

  it('authenticates REST calls with a bearer key and records last use', async () => {
    const { id, key } = await createKey();
    const response = await rest(key, '/me');
    expect(response.status).toBe(200);
    expect(((await response.json()) as { user: { email: string } }).user.email).toBe(steward.org.admin.email);
    const stored = await steward.app.db.selectFrom('api_keys').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.last_used_at).toBeInstanceOf(Date);
  });

  it('revocation takes effect on the very next request', async () => {
    const { id, key } = await createKey();
    expect((await rest(key, `/organisations/${steward.org.organisationId}/users`)).status).toBe(200);
    const revoked = await steward.org.admin.agent.trpc('apiKeys.revoke', { organisationId: steward.org.organisationId, apiKeyId: id }, 'mutation');
    expect(revoked.error).toBeNull();
    const after = await rest(key, `/organisations/${steward.org.organisationId}/users`);
    expect(after.status).toBe(401);
    expect(((await after.json()) as { message: string }).message).toContain('not valid');
  });

  it('speaks for its own organisation only: me does not reveal the owner\'s other organisations', async () => {
    const other = await seedOrganisation(steward.app, 'Second');
    await steward.app.db.insertInto('memberships').values({ organisation_id: other.organisationId, user_id: steward.org.admin.id, org_role: 'member' }).execute();
    expect((await steward.org.admin.agent.trpc<{ organisations: unknown[] }>('me')).data.organisations).toHaveLength(2);
    const { key } = await createKey();
    const me = (await (await rest(key, '/me')).json()) as { organisations: { id: string }[] };
    expect(me.organisations.map((o) => o.id)).toEqual([steward.org.organisationId]);
  });

  it('never falls back to the session cookie when an Authorization header is present', async () => {
    const response = await fetch(`${steward.app.url}/trpc/me`, { headers: { authorization: 'Bearer two tokens', cookie: steward.org.admin.agent.cookieHeader() } });
    expect(response.status).toBe(401);
    expect(await response.text()).toContain('Authorization: Bearer');
  });

  it('refuses an expired key', async () => {
    const { id, key } = await createKey();
    await steward.app.db.updateTable('api_keys').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', id).execute();
    expect((await rest(key, '/me')).status).toBe(401);
  });

  it('a read key reads but cannot change anything', async () => {
    const { key } = await createKey(steward.org.admin.agent, { scope: 'read' });
    expect((await rest(key, `/organisations/${steward.org.organisationId}/workspaces`)).status).toBe(200);
    const invite = await rest(key, `/organisations/${steward.org.organisationId}/invitations`, { method: 'POST', body: JSON.stringify({ email: 'x@example.org' }) });
    expect(invite.status).toBe(403);
    expect(((await invite.json()) as { message: string }).message).toContain('scope (read)');
  });

  it('a read_write key cannot change settings', async () => {
    const { key } = await createKey(steward.org.admin.agent, { scope: 'read_write' });
    const update = await rest(key, `/workspaces/${steward.org.chapterWorkspaceId}`, { method: 'PATCH', body: JSON.stringify({ name: 'Renamed' }) });
    expect(update.status).toBe(403);
  });

  it('never grants more than its owner currently holds', async () => {
    const owner = await addSignedInMember(steward.app, steward.org.organisationId, 'keyowner@acme.example', 'admin');
    const { key } = await createKey(owner.agent);
    expect((await rest(key, `/organisations/${steward.org.organisationId}/audit`)).status).toBe(200);
    await steward.app.db.updateTable('memberships').set({ org_role: 'member' }).where('user_id', '=', owner.id).execute();
    expect((await rest(key, `/organisations/${steward.org.organisationId}/audit`)).status).toBe(403);
  });

  it("answers 404 for another organisation's objects, even to an admin key", async () => {
    const other = await seedOrganisation(steward.app, 'Other');
    const { key } = await createKey();
    expect((await rest(key, `/organisations/${other.organisationId}/users`)).status).toBe(404);
    expect((await rest(key, `/workspaces/${other.chapterWorkspaceId}`)).status).toBe(404);
  });

  it("stops working when its owner is removed from the organisation", async () => {
    const leaving = await addSignedInMember(steward.app, steward.org.organisationId, 'leaver@acme.example', 'member');
    const { key } = await createKey(leaving.agent);
    expect((await rest(key, '/me')).status).toBe(200);
    const removed = await steward.org.admin.agent.trpc<{ revokedApiKeys: number }>('users.remove', { organisationId: steward.org.organisationId, userId: leaving.id }, 'mutation');
    expect(removed.data.revokedApiKeys).toBe(1);
    expect((await rest(key, '/me')).status).toBe(401);
  });

  it('cannot mint further keys with a key', async () => {
    const { key } = await createKey();
    const response = await fetch(`${steward.app.url}/trpc/apiKeys.create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ organisationId: steward.org.organisationId, name: 'child' }),
    });
    expect(response.status).toBe(403);
  });

  it('lets members hold keys of their own but only admins see and revoke everyone else’s', async () => {
    const member = await addSignedInMember(steward.app, steward.org.organisationId, 'keymember@acme.example', 'member');
    const own = await createKey(member.agent);
    const adminKey = await createKey();
    const seen = await member.agent.trpc<{ keys: { id: string }[]; total: number }>('apiKeys.list', { organisationId: steward.org.organisationId });
    expect(seen.data.keys.map((k) => k.id)).toEqual([own.id]);
    expect(seen.data.total).toBe(1);
    const denied = await member.agent.trpc('apiKeys.revoke', { organisationId: steward.org.organisationId, apiKeyId: adminKey.id }, 'mutation');
    expect(denied.error?.data.code).toBe('NOT_FOUND');
    expect((await steward.org.admin.agent.trpc('apiKeys.revoke', { organisationId: steward.org.organisationId, apiKeyId: own.id }, 'mutation')).error).toBeNull();
  });
});

describe('the REST surface', () => {
  it('serves its OpenAPI document and a readable reference page', async () => {
    const document = (await (await fetch(`${steward.app.url}/api/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/organisations/{organisationId}/users', '/organisations/{organisationId}/audit']));
    // Swagger UI from the installed package, over that document, with no inline script.
    const page = await fetch(`${steward.app.url}/api/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/api/docs/assets/swagger-ui-bundle.js');
    expect(html).not.toMatch(/<script>/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await (await fetch(`${steward.app.url}/api/docs/init.js`)).text()).toContain('/api/v1/openapi.json');
    const bundle = await fetch(`${steward.app.url}/api/docs/assets/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('javascript');
  });

  it('answers bad input with a 400 and a message, never a 500 or a stack', async () => {
    const { key } = await createKey();
    const response = await rest(key, `/organisations/${steward.org.organisationId}/workspaces`, { method: 'POST', body: JSON.stringify({ name: '', slug: 'Not A Slug' }) });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain('lowercase letters');
    expect(text).not.toMatch(/\bat [\w.<>]+ \(|"stack"/);
    expect((await rest(key, '/organisations/not-a-uuid/users')).status).toBe(400);
  });

  it('does not need an Origin for bearer requests (no cookie, no CSRF)', async () => {
    const { key } = await createKey();
    const created = await rest(key, `/organisations/${steward.org.organisationId}/workspaces`, { method: 'POST', headers: { origin: 'https://elsewhere.example' }, body: JSON.stringify({ name: 'By key', slug: 'by-key' }) });
    expect(created.status).toBe(200);
  });

  it('limits invented keys per address, and keys calling tRPC directly too', async () => {
    const limited = await startTestApp({ database: steward.database, workers: false, env: { REST_RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      const statuses = [];
      for (let i = 0; i < 11; i++) statuses.push((await fetch(`${limited.url}/api/v1/me`, { headers: { authorization: `Bearer pai_invented${i}` } })).status);
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(statuses[10]).toBe(429);
    } finally {
      await limited.close();
    }
    // Another limit (counted apart from the one above, which this address has used up).
    const limitedTrpc = await startTestApp({ database: steward.database, workers: false, env: { REST_RATE_LIMIT_PER_MINUTE: '4' } });
    try {
      const { key } = await createKey();
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`${limitedTrpc.url}/trpc/me`, { headers: { authorization: `Bearer ${key}` } })).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
    } finally {
      await limitedTrpc.close();
    }
  });

  it('limits requests per key with 429 and Retry-After', async () => {
    const limited = await startTestApp({ database: steward.database, workers: false, env: { REST_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const { key } = await createKey();
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${limited.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await fetch(`${limited.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      const { key: other } = await createKey();
      expect((await fetch(`${limited.url}/api/v1/me`, { headers: { authorization: `Bearer ${other}` } })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('user admins cannot change organisation roles over REST either', async () => {
    const userAdmin = await addSignedInMember(steward.app, steward.org.organisationId, 'ua-rest@acme.example', 'user_admin');
    const target = await addMember(steward.app.db, steward.org.organisationId, 'target-rest@acme.example', 'member');
    const { key } = await createKey(userAdmin.agent);
    const response = await rest(key, `/organisations/${steward.org.organisationId}/users/${target.id}/role`, { method: 'PATCH', body: JSON.stringify({ orgRole: 'admin' }) });
    expect(response.status).toBe(403);
  });

  it('reads the key, its owner and their role in the workspace called in one query', async () => {
    const { key } = await createKey(steward.org.admin.agent, { scope: 'read' });
    await rest(key, '/me'); // last use recorded now, so the counted call makes no write
    const queries: string[] = [];
    const counting = connectDatabase(steward.database.url, { onQuery: (sql) => queries.push(sql) });
    const counted = await startTestApp({ database: { db: counting, url: steward.database.url }, workers: false, env: { REST_RATE_LIMIT_PER_MINUTE: '50' } });
    const other = await seedOrganisation(steward.app, 'Other');
    try {
      const call = (workspaceId: string) => fetch(`${counted.url}/api/v1/workspaces/${workspaceId}/contacts?limit=5`, { headers: { authorization: `Bearer ${key}` } });
      queries.length = 0;
      expect((await call(steward.org.chapterWorkspaceId)).status).toBe(200);
      const standing = queries.filter((q) => /"api_keys"|"workspace_memberships"|"memberships"/.test(q));
      expect(standing).toHaveLength(1);
      expect(standing[0]).toMatch(/from "api_keys"/);
      // Another organisation's workspace is not found, as for a session.
      expect((await call(other.chapterWorkspaceId)).status).toBe(404);
    } finally {
      await counted.close();
      await counting.destroy();
    }
  });
});
