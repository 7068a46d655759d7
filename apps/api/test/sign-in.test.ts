import { beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, useStewardApp } from '@steward/test-kit';
import { connectDatabase } from '@steward/db';
import { hashSessionToken } from '../src/auth/sessions.js';

const steward = useStewardApp({ fakeGoogle: true, env: { STEWARD_DEV_SIGN_IN: 'off' } });

const SESSION_COOKIE = 'steward_session';

/** Runs the browser's side of the flow up to the provider's redirect back to us. */
async function startFlow() {
  const agent = steward.app.agent();
  const start = await agent.request('/auth/google');
  expect(start.status).toBe(302);
  const authorizeUrl = new URL(start.headers.get('location')!);
  const atProvider = await fetch(authorizeUrl, { redirect: 'manual' });
  const callback = new URL(atProvider.headers.get('location')!);
  return { agent, authorizeUrl, callback };
}

describe('Google sign-in (OpenID Connect with PKCE and state)', () => {
  beforeEach(() => {
    steward.oidc.nextIdentity({ sub: 'sub-ada', email: 'ada@example.org', email_verified: true, name: 'Ada Lovelace' });
  });

  it('signs a verified account in and keys it by issuer and subject', async () => {
    const { agent, authorizeUrl, callback } = await startFlow();
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('scope')).toBe('openid email profile');
    expect(authorizeUrl.searchParams.get('state')).toBeTruthy();

    const done = await agent.request(callback.pathname + callback.search);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/');
    expect(agent.hasCookie(SESSION_COOKIE)).toBe(true);

    const me = await agent.trpc<{ user: { email: string; name: string } }>('me');
    expect(me.data.user).toMatchObject({ email: 'ada@example.org', name: 'Ada Lovelace' });

    const account = await steward.app.db.selectFrom('oauth_accounts').selectAll().where('subject', '=', 'sub-ada').executeTakeFirstOrThrow();
    expect(account.issuer).toBe(steward.oidc.issuer);
  });

  it('stores only the SHA-256 of the session token', async () => {
    const { agent, callback } = await startFlow();
    await agent.request(callback.pathname + callback.search);
    const token = agent.cookie(SESSION_COOKIE)!;
    const rows = await steward.app.db.selectFrom('sessions').select('id').execute();
    expect(rows.map((r) => r.id)).toContain(hashSessionToken(token));
    expect(rows.map((r) => r.id)).not.toContain(token);
  });

  it('sets the session cookie HttpOnly and SameSite=Lax', async () => {
    const { agent, callback } = await startFlow();
    const done = await agent.request(callback.pathname + callback.search);
    const cookie = done.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  it('refuses a callback whose state does not match the one it started with', async () => {
    const { agent, callback } = await startFlow();
    callback.searchParams.set('state', 'forged-state');
    const done = await agent.request(callback.pathname + callback.search);
    expect(done.status).toBe(400);
    expect(await done.text()).toContain('state mismatch');
    expect(agent.hasCookie(SESSION_COOKIE)).toBe(false);
  });

  it('refuses a callback with no state cookie (a flow that did not start in this browser)', async () => {
    const { callback } = await startFlow();
    const stranger = steward.app.agent();
    const done = await stranger.request(callback.pathname + callback.search);
    expect(done.status).toBe(400);
    expect(stranger.hasCookie(SESSION_COOKIE)).toBe(false);
  });

  it('refuses a callback with no state parameter', async () => {
    const { agent, callback } = await startFlow();
    callback.searchParams.delete('state');
    const done = await agent.request(callback.pathname + callback.search);
    expect(done.status).toBe(400);
    expect(agent.hasCookie(SESSION_COOKIE)).toBe(false);
  });

  it('refuses the code when the PKCE verifier is wrong', async () => {
    const { agent, callback } = await startFlow();
    agent.setCookie('steward_oauth_verifier', 'a'.repeat(43) + 'wrong-verifier-that-is-long-enough');
    const done = await agent.request(callback.pathname + callback.search);
    expect(done.status).toBe(403);
    expect(await done.text()).toContain('did not accept this sign-in');
    expect(agent.hasCookie(SESSION_COOKIE)).toBe(false);
  });

  it('refuses an account whose email is not verified', async () => {
    steward.oidc.nextIdentity({ sub: 'sub-unverified', email: 'mallory@example.org', email_verified: false, name: 'Mallory' });
    const { agent, callback } = await startFlow();
    const done = await agent.request(callback.pathname + callback.search);
    expect(done.status).toBe(403);
    expect(await done.text()).toContain('not verified');
    expect(agent.hasCookie(SESSION_COOKIE)).toBe(false);
    expect(await steward.app.db.selectFrom('users').select('id').where('email', '=', 'mallory@example.org').executeTakeFirst()).toBeUndefined();
  });

  it('does not let another Google account with the same email take over the user', async () => {
    const first = await startFlow();
    await first.agent.request(first.callback.pathname + first.callback.search);
    steward.oidc.nextIdentity({ sub: 'sub-impostor', email: 'ada@example.org', email_verified: true, name: 'Not Ada' });
    const second = await startFlow();
    const done = await second.agent.request(second.callback.pathname + second.callback.search);
    expect(done.status).toBe(403);
    expect(second.agent.hasCookie(SESSION_COOKIE)).toBe(false);
  });
});

describe('sessions', () => {
  async function signedIn() {
    steward.oidc.nextIdentity({ sub: 'sub-grace', email: 'grace@example.org', email_verified: true, name: 'Grace Hopper' });
    const { agent, callback } = await startFlow();
    await agent.request(callback.pathname + callback.search);
    return agent;
  }

  it('answers UNAUTHORIZED to a request without a session', async () => {
    const me = await steward.app.agent().trpc('me');
    expect(me.status).toBe(401);
    expect(me.error?.data.code).toBe('UNAUTHORIZED');
  });

  it('costs one query of the sessions table per authenticated request', async () => {
    const agent = await signedIn();
    const queries: string[] = [];
    const counting = connectDatabase(steward.database.url, { onQuery: (sql) => queries.push(sql) });
    const counted = await startTestApp({ database: { db: counting, url: steward.database.url }, workers: false, env: { STEWARD_DEV_SIGN_IN: 'off', ...steward.oidc.env() } });
    try {
      const replay = counted.agent();
      replay.setCookie(SESSION_COOKIE, agent.cookie(SESSION_COOKIE)!);
      expect((await replay.trpc('me')).status).toBe(200);
      const sessionQueries = queries.filter((q) => /"sessions"/.test(q));
      expect(sessionQueries).toHaveLength(1);
      expect(sessionQueries[0]).toMatch(/inner join "users"/);
    } finally {
      await counted.close();
      await counting.destroy();
    }
  });

  it('refuses an expired session and deletes it', async () => {
    const agent = await signedIn();
    const id = hashSessionToken(agent.cookie(SESSION_COOKIE)!);
    await steward.app.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', id).execute();
    const me = await agent.trpc('me');
    expect(me.status).toBe(401);
    expect(await steward.app.db.selectFrom('sessions').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
  });

  it('extends a session that is past half its lifetime (sliding expiry)', async () => {
    const agent = await signedIn();
    const id = hashSessionToken(agent.cookie(SESSION_COOKIE)!);
    const soon = new Date(Date.now() + 5 * 24 * 3600 * 1000);
    await steward.app.db.updateTable('sessions').set({ expires_at: soon }).where('id', '=', id).execute();
    const me = await agent.trpc('me');
    expect(me.status).toBe(200);
    const row = await steward.app.db.selectFrom('sessions').select('expires_at').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.expires_at.getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000);
  });

  it('ends the session on the server at sign-out, so the old cookie no longer works', async () => {
    const agent = await signedIn();
    const token = agent.cookie(SESSION_COOKIE)!;
    const out = await agent.request('/auth/sign-out', { method: 'POST', headers: { accept: 'application/json' } });
    expect(out.status).toBe(200);
    expect(await steward.app.db.selectFrom('sessions').select('id').where('id', '=', hashSessionToken(token)).executeTakeFirst()).toBeUndefined();
    const replay = steward.app.agent();
    replay.setCookie(SESSION_COOKIE, token);
    expect((await replay.trpc('me')).status).toBe(401);
  });

  it('refuses a cross-origin sign-out (CSRF)', async () => {
    const agent = await signedIn();
    const out = await agent.request('/auth/sign-out', { method: 'POST', origin: 'https://evil.example' });
    expect(out.status).toBe(403);
    expect((await agent.trpc('me')).status).toBe(200);
  });
});

describe('CSRF on procedures', () => {
  it('refuses a cross-origin tRPC mutation carried by the session cookie, and accepts the same from the console origin', async () => {
    steward.oidc.nextIdentity({ sub: 'sub-csrf', email: 'csrf@example.org', email_verified: true, name: 'Csrf' });
    const { agent, callback } = await startFlow();
    await agent.request(callback.pathname + callback.search);
    const forged = await agent.request('/trpc/apiKeys.create', { json: { organisationId: crypto.randomUUID(), name: 'x' }, origin: 'https://evil.example' });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('Origin check failed');
    const noOrigin = await agent.request('/trpc/apiKeys.create', { json: { organisationId: crypto.randomUUID(), name: 'x' }, origin: null });
    expect(noOrigin.status).toBe(403);
    const opaque = await agent.request('/trpc/apiKeys.create', {
      json: { organisationId: crypto.randomUUID(), name: 'x' },
      origin: 'null',
      headers: { referer: `${steward.app.url}/` },
    });
    expect(opaque.status).toBe(403);
    const sameOrigin = await agent.request('/trpc/apiKeys.create', { json: { organisationId: crypto.randomUUID(), name: 'x' } });
    expect(sameOrigin.status).toBe(404);
  });
});

describe('the development sign-in', () => {
  it('is not offered when Google is configured and it is not switched on', async () => {
    const response = await steward.app.agent().request('/auth/dev/sign-in', { form: { email: 'x@example.org' } });
    expect(response.status).toBe(404);
  });
});
