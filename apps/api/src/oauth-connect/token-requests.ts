import type { OAuthProviderConfig } from './providers.js';

/**
 * The token endpoint's side of OAuth 2.0 (RFC 6749 §4.1.3 and §6, RFC 7636, RFC 7009), with the
 * client authenticating in the request body (client_secret_post), which every provider we list accepts.
 */

export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date | null;
  /** Scopes the provider says it granted; null when it did not say (then: the ones asked for). */
  scopes: string[] | null;
}

/** The provider answered with an OAuth error (`invalid_grant`: the grant is expired, revoked or was never valid). */
export class OAuthProviderError extends Error {
  constructor(
    readonly error: string,
    readonly description: string | null,
    readonly status: number,
  ) {
    super(description ? `${error}: ${description}` : error);
    this.name = 'OAuthProviderError';
  }
}

/** The provider could not be reached, or answered something that is not OAuth. */
export class OAuthTransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OAuthTransportError';
  }
}

const TIMEOUT_MS = 10_000;

async function post(url: string, body: URLSearchParams): Promise<Response> {
  try {
    return await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new OAuthTransportError(`${new URL(url).host} could not be reached (${(error as Error).name === 'TimeoutError' ? 'no answer in 10 s' : (error as Error).message}).`);
  }
}

async function tokenRequest(provider: OAuthProviderConfig, params: Record<string, string>, now: Date): Promise<TokenSet> {
  const response = await post(provider.tokenUrl, new URLSearchParams({ ...params, client_id: provider.clientId, client_secret: provider.clientSecret }));
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new OAuthTransportError(`${provider.label} answered HTTP ${response.status} without a JSON body.`);
  }
  if (!response.ok || typeof body.error === 'string') {
    throw new OAuthProviderError(typeof body.error === 'string' ? body.error : `http_${response.status}`, typeof body.error_description === 'string' ? body.error_description : null, response.status);
  }
  if (typeof body.access_token !== 'string' || !body.access_token) throw new OAuthTransportError(`${provider.label} answered without an access token.`);
  const expiresIn = Number(body.expires_in);
  return {
    accessToken: body.access_token,
    refreshToken: typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : null,
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(now.getTime() + expiresIn * 1000) : null,
    scopes: typeof body.scope === 'string' ? body.scope.split(/[\s,]+/).filter(Boolean) : null,
  };
}

export function exchangeAuthorizationCode(provider: OAuthProviderConfig, input: { code: string; codeVerifier: string; redirectUri: string }, now = new Date()) {
  return tokenRequest(provider, { grant_type: 'authorization_code', code: input.code, code_verifier: input.codeVerifier, redirect_uri: input.redirectUri }, now);
}

export function refreshAccessToken(provider: OAuthProviderConfig, refreshToken: string, now = new Date()) {
  return tokenRequest(provider, { grant_type: 'refresh_token', refresh_token: refreshToken }, now);
}

/** RFC 7009: true when the provider confirmed; an unknown token also counts as revoked (200 by the RFC). */
export async function revokeToken(provider: OAuthProviderConfig, token: string, hint: 'refresh_token' | 'access_token'): Promise<void> {
  if (!provider.revokeUrl) return;
  const response = await post(provider.revokeUrl, new URLSearchParams({ token, token_type_hint: hint, client_id: provider.clientId, client_secret: provider.clientSecret }));
  if (!response.ok) throw new OAuthProviderError(`http_${response.status}`, `${provider.label} refused to revoke the token (HTTP ${response.status}).`, response.status);
}

/** "Connected as": the email address (or the closest thing) from the provider's userinfo endpoint. */
export async function fetchAccountName(provider: OAuthProviderConfig, accessToken: string): Promise<string | null> {
  if (!provider.userinfoUrl) return null;
  let response: Response;
  try {
    response = await fetch(provider.userinfoUrl, { headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch {
    return null;
  }
  if (!response.ok) return null;
  const info = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  for (const claim of ['email', 'mail', 'preferred_username', 'userPrincipalName', 'user', 'name', 'sub']) {
    const value = info[claim];
    if (typeof value === 'string' && value) return value.slice(0, 320);
  }
  return null;
}
