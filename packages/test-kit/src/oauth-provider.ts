import type { IncomingMessage } from 'node:http';
import { startOAuth2MockServer } from './oidc.js';

interface TokenRequest extends IncomingMessage {
  body: Record<string, string | undefined>;
}
interface MutableResponse {
  statusCode: number;
  body: Record<string, unknown>;
}

/**
 * A stand-in for the OAuth providers behind channels and connected apps (Google, Microsoft,
 * HubSpot, Salesforce): oauth2-mock-server, made as strict as the real ones where Steward's
 * behaviour depends on it — PKCE is required, the client secret is checked, refresh tokens are
 * remembered and can be expired or revoked (the provider then answers `invalid_grant`), and
 * revocations and the userinfo account are observable.
 */
export async function startOAuthProvider(options: { clientId?: string; clientSecret?: string } = {}) {
  const server = await startOAuth2MockServer();
  const issuer = server.issuer.url!.replace(/\/$/, '');
  const clientId = options.clientId ?? 'steward-connect-client';
  const clientSecret = options.clientSecret ?? 'steward-connect-secret';
  const refreshTokens = new Map<string, 'valid' | 'expired'>();
  const tokenRequests: { grantType: string; codeVerifier: boolean; refreshToken?: string }[] = [];
  const revocations: { token: string; hint: string | undefined }[] = [];
  let account = 'agent@example.org';
  let accessTokenTtlSeconds = 3600;

  server.service.on('beforeResponse', (response: MutableResponse, req: TokenRequest) => {
    const body = req.body;
    const grantType = body.grant_type ?? '';
    tokenRequests.push({ grantType, codeVerifier: Boolean(body.code_verifier), ...(body.refresh_token ? { refreshToken: body.refresh_token } : {}) });
    const refuse = (statusCode: number, error: string, description: string) => {
      response.statusCode = statusCode;
      response.body = { error, error_description: description };
    };
    if (body.client_id !== clientId || body.client_secret !== clientSecret) return refuse(401, 'invalid_client', 'Client authentication failed.');
    if (grantType === 'authorization_code' && !body.code_verifier) return refuse(400, 'invalid_grant', 'PKCE code_verifier is required.');
    if (grantType === 'refresh_token') {
      const known = refreshTokens.get(body.refresh_token ?? '');
      if (known !== 'valid') return refuse(400, 'invalid_grant', known === 'expired' ? 'Token has been expired or revoked.' : 'Unknown refresh token.');
    }
    response.body.expires_in = accessTokenTtlSeconds;
    if (typeof response.body.refresh_token === 'string') {
      // Like Google: a refresh grant keeps the refresh token it was given.
      if (grantType === 'refresh_token') delete response.body.refresh_token;
      else refreshTokens.set(response.body.refresh_token, 'valid');
    }
  });
  server.service.on('beforeUserinfo', (response: MutableResponse) => {
    response.body = { sub: `subject-of-${account}`, email: account, email_verified: true };
  });
  server.service.on('beforeRevoke', (_response: unknown, req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const token = form.get('token') ?? '';
      if (refreshTokens.has(token)) refreshTokens.set(token, 'expired');
      revocations.push({ token, hint: form.get('token_type_hint') ?? undefined });
    });
  });

  return {
    issuer,
    clientId,
    clientSecret,
    tokenRequests,
    revocations,
    /** The address userinfo answers with ("connected as"). */
    setAccount(next: string) {
      account = next;
    },
    setAccessTokenTtl(seconds: number) {
      accessTokenTtlSeconds = seconds;
    },
    /** Every refresh token issued so far stops working, as when a user revokes access or it times out. */
    expireRefreshTokens() {
      for (const token of refreshTokens.keys()) refreshTokens.set(token, 'expired');
    },
    refreshTokenIssued: () => [...refreshTokens.keys()],
    /** OAUTH_<PROVIDER>_* variables pointing a provider (gmail, outlook, hubspot…) at this server. */
    env(...providers: string[]): Record<string, string> {
      const env: Record<string, string> = {};
      for (const provider of providers) {
        const prefix = `OAUTH_${provider.toUpperCase()}_`;
        Object.assign(env, {
          [`${prefix}CLIENT_ID`]: clientId,
          [`${prefix}CLIENT_SECRET`]: clientSecret,
          [`${prefix}AUTHORIZE_URL`]: `${issuer}/authorize`,
          [`${prefix}TOKEN_URL`]: `${issuer}/token`,
          [`${prefix}REVOKE_URL`]: `${issuer}/revoke`,
          [`${prefix}USERINFO_URL`]: `${issuer}/userinfo`,
        });
      }
      return env;
    },
    /**
     * Plays the browser at the provider: opens the authorization URL and returns the callback
     * address it redirects to (with `code` and `state`), as the user's consent would.
     */
    async consent(authorizeUrl: string): Promise<string> {
      const response = await fetch(authorizeUrl, { redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status !== 302 || !location) throw new Error(`The authorization endpoint answered ${response.status}: ${await response.text()}`);
      return location;
    },
    stop: () => server.stop(),
  };
}
export type OAuthProvider = Awaited<ReturnType<typeof startOAuthProvider>>;
