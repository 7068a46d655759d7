import { beforeAll, describe, expect, it } from 'vitest';
import { actorFor, addSignedInMember, useStewardApp } from '@steward/test-kit';
import {
  disconnectOAuthConnection,
  getAccessToken,
  getOAuthConnection,
  type ConnectedEvent,
  refreshExpiringConnections,
  refreshOAuthConnection,
  registerOAuthPurpose,
  startOAuthConnect,
} from './index.js';

/**
 * The OAuth connect machinery against oauth2-mock-server (the test kit's stand-in, which requires
 * PKCE, checks the client secret and remembers refresh tokens): connect, renew before expiry, an
 * expired refresh token, disconnect with revocation.
 */

const steward = useStewardApp({ workers: false, organisation: 'Acme', oauthProviders: ['gmail', 'hubspot'] });
const connected: ConnectedEvent[] = [];
registerOAuthPurpose('test-purpose', async (_trx, event) => {
  connected.push(event);
});

const deps = () => steward.app;
const place = () => ({ organisationId: steward.org.organisationId, workspaceId: steward.org.chapterWorkspaceId });

/** Start → consent at the provider → the browser (the admin's session) comes back to the callback. */
async function connect(provider: 'gmail' | 'hubspot' = 'gmail', account = 'support@acme.example') {
  steward.oauth.setAccount(account);
  const { authorizeUrl } = await startOAuthConnect(deps(), actorFor(steward.org.admin), {
    ...place(),
    provider,
    purpose: { kind: 'test-purpose', label: 'Support' },
    returnTo: '/settings/channels',
  });
  const callback = await steward.oauth.consent(authorizeUrl);
  const response = await steward.org.admin.agent.request(callback);
  return { authorizeUrl, callback, response };
}

beforeAll(() => {
  connected.length = 0;
});

describe('connect', () => {
  it('sends the user to the provider with state and an S256 PKCE challenge, and on return stores the connection as the account', async () => {
    const { authorizeUrl, response } = await connect();
    const url = new URL(authorizeUrl);
    expect(url.origin).toBe(steward.oauth.issuer.replace(/\/$/, ''));
    expect(url.searchParams.get('state')).toMatch(/^.{20,}$/);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toBe(`${steward.app.url}/oauth/callback`);
    expect(url.searchParams.get('access_type')).toBe('offline');

    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/settings/channels?connected=gmail');
    const event = connected.at(-1)!;
    expect(event.purpose).toEqual({ kind: 'test-purpose', label: 'Support' });
    expect(event.connection).toMatchObject({ provider: 'gmail', account: 'support@acme.example', status: 'connected', workspaceId: place().workspaceId });
    expect(event.connection.accessExpiresAt).not.toBeNull();
    // The code was exchanged with the verifier (the stand-in refuses an exchange without one).
    expect(steward.oauth.tokenRequests.at(-1)).toMatchObject({ grantType: 'authorization_code', codeVerifier: true });

    const audit = await steward.db.selectFrom('audit_log').select(['action', 'after']).where('target_id', '=', event.connection.id).execute();
    expect(audit).toEqual([expect.objectContaining({ action: 'oauth.connect' })]);
  });

  it('keeps the tokens sealed: neither the access nor the refresh token is stored, audited or logged in plain text', async () => {
    await connect();
    const refreshToken = steward.oauth.refreshTokenIssued().at(-1)!;
    const rows = await steward.db.selectFrom('oauth_connections').selectAll().execute();
    const stored = JSON.stringify(rows) + JSON.stringify(await steward.db.selectFrom('audit_log').selectAll().execute()) + steward.app.logs.join('\n');
    expect(stored).not.toContain(refreshToken);
    expect(rows.every((r) => !r.access_token_ciphertext.startsWith('ey'))).toBe(true);
    expect(JSON.stringify(connected.at(-1))).not.toContain(refreshToken);
  });

  it('accepts a state once only, and never from another signed-in user', async () => {
    steward.oauth.setAccount('once@acme.example');
    const start = () =>
      startOAuthConnect(deps(), actorFor(steward.org.admin), { ...place(), provider: 'gmail', purpose: { kind: 'test-purpose' }, returnTo: '/settings/channels' });
    const first = await steward.oauth.consent((await start()).authorizeUrl);
    expect((await steward.org.admin.agent.request(first)).status).toBe(303);
    const replay = await steward.org.admin.agent.request(first);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('unknown or expired');

    const second = await steward.oauth.consent((await start()).authorizeUrl);
    const intruder = await addSignedInMember(steward.app, steward.org.organisationId, 'intruder@acme.example', 'admin');
    const stolen = await intruder.agent.request(second);
    expect(stolen.status).toBe(403);
    expect((await steward.app.agent().request(second)).status).toBe(400);
  });

  it('refuses a return path outside the console', async () => {
    await expect(
      startOAuthConnect(deps(), actorFor(steward.org.admin), { ...place(), provider: 'gmail', purpose: { kind: 'test-purpose' }, returnTo: '//evil.example/x' }),
    ).rejects.toThrow('returnTo must be a path');
  });

  it('says which variables to set for a provider this server has no client for', async () => {
    await expect(
      startOAuthConnect(deps(), actorFor(steward.org.admin), { ...place(), provider: 'outlook', purpose: { kind: 'test-purpose' }, returnTo: '/x' }),
    ).rejects.toThrow('OAUTH_OUTLOOK_CLIENT_ID');
  });

  it('sends the user back with the reason when they decline at the provider', async () => {
    const { authorizeUrl } = await startOAuthConnect(deps(), actorFor(steward.org.admin), { ...place(), provider: 'gmail', purpose: { kind: 'test-purpose' }, returnTo: '/settings/channels' });
    const state = new URL(authorizeUrl).searchParams.get('state')!;
    const response = await steward.org.admin.agent.request(`/oauth/callback?state=${state}&error=access_denied`);
    expect(response.status).toBe(303);
    expect(decodeURIComponent(response.headers.get('location')!.replace(/\+/g, ' '))).toContain('Gmail did not connect: access was not granted');
  });
});

describe('tokens over time', () => {
  it('uses the stored access token while it is fresh, and renews it before it expires', async () => {
    await connect();
    const id = connected.at(-1)!.connection.id;
    const before = steward.oauth.tokenRequests.length;
    await getAccessToken(deps(), id);
    expect(steward.oauth.tokenRequests.length).toBe(before);

    // Four minutes left: inside the renewal margin.
    await steward.db.updateTable('oauth_connections').set({ access_expires_at: new Date(Date.now() + 4 * 60_000) }).where('id', '=', id).execute();
    await getAccessToken(deps(), id);
    expect(steward.oauth.tokenRequests.length).toBe(before + 1);
    expect(steward.oauth.tokenRequests.at(-1)).toMatchObject({ grantType: 'refresh_token' });
    const view = await getOAuthConnection(steward.db, place(), id);
    expect(new Date(view.accessExpiresAt!).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(view.lastRefreshedAt).not.toBeNull();
  });

  it('renews once when two callers need a renewal at the same moment', async () => {
    await connect();
    const id = connected.at(-1)!.connection.id;
    await steward.db.updateTable('oauth_connections').set({ access_expires_at: new Date(Date.now() - 1000) }).where('id', '=', id).execute();
    const before = steward.oauth.tokenRequests.length;
    const tokens = await Promise.all([getAccessToken(deps(), id), getAccessToken(deps(), id), getAccessToken(deps(), id)]);
    expect(new Set(tokens).size).toBe(1);
    expect(steward.oauth.tokenRequests.length - before).toBe(1);
  });

  it('the scheduled sweep renews the connections about to expire and leaves the others', async () => {
    await connect();
    const soon = connected.at(-1)!.connection.id;
    await steward.db.updateTable('oauth_connections').set({ access_expires_at: new Date(Date.now() + 60_000) }).where('id', '=', soon).execute();
    const result = await refreshExpiringConnections(deps());
    expect(result.refreshed).toBeGreaterThanOrEqual(1);
    const view = await getOAuthConnection(steward.db, place(), soon);
    expect(new Date(view.accessExpiresAt!).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
  });

  it('an expired refresh token marks the connection as needing reconnection, with why and since when', async () => {
    await connect('gmail', 'lapsed@acme.example');
    const id = connected.at(-1)!.connection.id;
    steward.oauth.expireRefreshTokens();
    const at = new Date();
    await expect(refreshOAuthConnection(deps(), id, at)).resolves.toMatchObject({ status: 'needs_reconnection' });
    const view = await getOAuthConnection(steward.db, place(), id);
    expect(view.status).toBe('needs_reconnection');
    expect(view.failureReason).toContain('Gmail no longer accepts the saved authorisation');
    expect(view.failingSince).toBe(at.toISOString());

    await steward.db.updateTable('oauth_connections').set({ access_expires_at: new Date(Date.now() - 1000) }).where('id', '=', id).execute();
    await expect(getAccessToken(deps(), id)).rejects.toThrow('The Gmail connection of lapsed@acme.example needs reconnecting');
    // "Since when" stays the first failure.
    await refreshOAuthConnection(deps(), id, new Date(at.getTime() + 60_000));
    expect((await getOAuthConnection(steward.db, place(), id)).failingSince).toBe(at.toISOString());
  });
});

describe('disconnect', () => {
  it('revokes the refresh token at the provider and forgets the tokens', async () => {
    await connect();
    const id = connected.at(-1)!.connection.id;
    const refreshToken = steward.oauth.refreshTokenIssued().at(-1)!;
    const cleaned: string[] = [];
    const result = await disconnectOAuthConnection(deps(), place(), id, async () => {
      cleaned.push('channel');
    });
    expect(result.revoked).toBe(true);
    expect(cleaned).toEqual(['channel']);
    await expect.poll(() => steward.oauth.revocations.map((r) => r.token)).toContain(refreshToken);
    expect(await steward.db.selectFrom('oauth_connections').select('id').where('id', '=', id).execute()).toEqual([]);
    // The provider no longer renews with it.
    await expect(getOAuthConnection(steward.db, place(), id)).rejects.toThrow('Connection was not found');
  });

  it("is NOT_FOUND for another workspace's connection", async () => {
    await connect();
    const id = connected.at(-1)!.connection.id;
    await expect(disconnectOAuthConnection(deps(), { organisationId: steward.org.organisationId, workspaceId: steward.org.globalWorkspaceId }, id)).rejects.toThrow('not found');
  });
});
