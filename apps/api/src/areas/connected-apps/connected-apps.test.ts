import { describe, expect, it } from 'vitest';
import { useStewardApp } from '@steward/test-kit';

/**
 * Connected apps through the real OAuth flow against oauth2-mock-server (the test kit's stand-in:
 * PKCE required, client secret checked, refresh tokens remembered, expirable and revocable), driven
 * through the API as the console does: Connect → consent → callback → status → refresh → disconnect.
 */
const steward = useStewardApp({ workers: false, organisation: 'Acme', oauthProviders: ['hubspot', 'salesforce', 'google_calendar'] });

type Result<T> = { status: number; error: { message: string; data: { code: string } } | null; text: string; data: T };
const raw = <T>(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') => steward.org.admin.agent.trpc<T>(path, input, kind) as Promise<Result<T>>;
async function call<T>(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation'): Promise<T> {
  const result = await raw<T>(path, input, kind);
  expect(result.error, result.text).toBeNull();
  return result.data;
}

interface Connection {
  id: string;
  account: string | null;
  scopes: string[];
  status: string;
  failureReason: string | null;
  failingSince: string | null;
  lastRefreshedAt: string | null;
}
interface Apps {
  apps: { app: string; label: string; available: boolean; connection: Connection | null }[];
}

const workspaceId = () => steward.org.chapterWorkspaceId;
const returnTo = () => `/orgs/${steward.org.organisationId}/connected-apps/chapter`;
const appsNow = async () => call<Apps>('connectedApps.list', { workspaceId: workspaceId() }, 'query');
const appOf = async (app: string) => (await appsNow()).apps.find((a) => a.app === app)!;

/** Connect as the console does: the API gives the consent URL, the user consents, the browser comes back. */
async function connect(app: string, account: string) {
  steward.oauth.setAccount(account);
  const { authorizeUrl } = await call<{ authorizeUrl: string }>('connectedApps.connect', { workspaceId: workspaceId(), app, returnTo: returnTo() });
  const callback = await steward.oauth.consent(authorizeUrl);
  const response = await steward.org.admin.agent.request(callback);
  return { authorizeUrl: new URL(authorizeUrl), response };
}

describe('connected apps', () => {
  it('lists HubSpot, Salesforce, Google Calendar and Outlook Calendar, and which ones this server can connect', async () => {
    const { apps } = await appsNow();
    expect(apps.map((a) => [a.app, a.label, a.available, a.connection])).toEqual([
      ['hubspot', 'HubSpot', true, null],
      ['salesforce', 'Salesforce', true, null],
      ['google_calendar', 'Google Calendar', true, null],
      ['outlook_calendar', 'Outlook Calendar', false, null],
    ]);
    const refused = await raw('connectedApps.connect', { workspaceId: workspaceId(), app: 'outlook_calendar', returnTo: returnTo() });
    expect(refused.status).toBe(412);
    expect(refused.error?.message).toContain('OAUTH_OUTLOOK_CALENDAR_CLIENT_ID');
  });

  it('connects → refreshes → disconnects Salesforce, revoking its tokens', async () => {
    const { authorizeUrl, response } = await connect('salesforce', 'sales@acme.example');
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('scope')).toBe('api refresh_token openid email');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${returnTo()}?connected=salesforce`);

    const connected = (await appOf('salesforce')).connection!;
    expect(connected).toMatchObject({ account: 'sales@acme.example', status: 'connected' });
    expect(connected.scopes.length).toBeGreaterThan(0);
    const listed = JSON.stringify(await appsNow());
    for (const token of steward.oauth.refreshTokenIssued()) expect(listed).not.toContain(token);

    const before = steward.oauth.tokenRequests.length;
    const refreshed = await call<Connection>('connectedApps.refresh', { workspaceId: workspaceId(), app: 'salesforce' });
    expect(steward.oauth.tokenRequests.slice(before)).toEqual([expect.objectContaining({ grantType: 'refresh_token' })]);
    expect(refreshed).toMatchObject({ status: 'connected', failureReason: null });
    expect(refreshed.lastRefreshedAt).not.toBeNull();

    const revokedBefore = steward.oauth.revocations.length;
    const disconnected = await call<{ revoked: boolean; message: string }>('connectedApps.disconnect', { workspaceId: workspaceId(), app: 'salesforce' });
    expect(disconnected.revoked).toBe(true);
    expect(steward.oauth.revocations.slice(revokedBefore).map((r) => r.hint)).toEqual(['refresh_token', 'access_token']);
    expect((await appOf('salesforce')).connection).toBeNull();
    const audit = await steward.db.selectFrom('audit_log').select('action').where('workspace_id', '=', workspaceId()).where('action', 'like', 'connectedApps.%').execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['connectedApps.connect', 'connectedApps.refresh', 'connectedApps.disconnect']));
  });

  it('shows an app whose refresh token expired as needing reconnection, with why and since when; connecting again replaces it', async () => {
    await connect('hubspot', 'crm@acme.example');
    steward.oauth.expireRefreshTokens();
    const refreshed = await call<Connection>('connectedApps.refresh', { workspaceId: workspaceId(), app: 'hubspot' });
    expect(refreshed.status).toBe('needs_reconnection');
    expect(refreshed.failureReason).toContain('no longer accepts the saved authorisation');
    expect(refreshed.failingSince).not.toBeNull();
    expect((await appOf('hubspot')).connection).toMatchObject({ status: 'needs_reconnection' });

    await connect('hubspot', 'crm@acme.example');
    const rows = await steward.db.selectFrom('oauth_connections').select(['status']).where('workspace_id', '=', workspaceId()).where('provider', '=', 'hubspot').execute();
    expect(rows).toEqual([{ status: 'connected' }]);
  });

  it('is not found from another organisation (roles: see the authorisation matrix test)', async () => {
    const other = await steward.app.signIn('stranger@elsewhere.example');
    const result = await other.trpc('connectedApps.list', { workspaceId: workspaceId() }, 'query');
    expect(result.error?.data.code).toBe('NOT_FOUND');
  });
});
