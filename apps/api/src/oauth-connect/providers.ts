/**
 * The OAuth providers a workspace can connect to (channels and connected apps), as data: each
 * provider's real endpoints and scopes, every one of which configuration can override (tests
 * point them at a local oauth2-mock-server). A provider is usable once its client id and secret
 * are set: `OAUTH_<PROVIDER>_CLIENT_ID` and `OAUTH_<PROVIDER>_CLIENT_SECRET`, and optionally
 * `OAUTH_<PROVIDER>_AUTHORIZE_URL`, `_TOKEN_URL`, `_REVOKE_URL`, `_USERINFO_URL`, `_SCOPES`
 * (space-separated).
 */

export interface OAuthProviderDefinition {
  label: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** RFC 7009 revocation endpoint; null where the provider has none (the tokens are then only forgotten). */
  revokeUrl: string | null;
  /** Where "connected as" is read: an OpenID Connect userinfo endpoint (email, mail or preferred_username). */
  userinfoUrl: string | null;
  scopes: string[];
  /** Extra authorization parameters, e.g. Google's `access_type=offline` to get a refresh token. */
  authorizeParams?: Record<string, string>;
}

const GOOGLE = {
  authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenUrl: 'https://oauth2.googleapis.com/token',
  revokeUrl: 'https://oauth2.googleapis.com/revoke',
  userinfoUrl: 'https://openidconnect.googleapis.com/v1/userinfo',
  authorizeParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
};
const MICROSOFT = {
  authorizeUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
  tokenUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
  // Microsoft identity platform has no token revocation endpoint: disconnecting forgets the tokens.
  revokeUrl: null,
  userinfoUrl: 'https://graph.microsoft.com/oidc/userinfo',
};

export const OAUTH_PROVIDER_DEFINITIONS = {
  // Send only: replies go out through the mailbox; reading it (inbound mail) is not built, so it is not asked for.
  gmail: { label: 'Gmail', ...GOOGLE, scopes: ['openid', 'email', 'https://www.googleapis.com/auth/gmail.send'] },
  outlook: { label: 'Outlook', ...MICROSOFT, scopes: ['openid', 'email', 'offline_access', 'https://graph.microsoft.com/Mail.Send'] },
  google_calendar: { label: 'Google Calendar', ...GOOGLE, scopes: ['openid', 'email', 'https://www.googleapis.com/auth/calendar.events'] },
  outlook_calendar: { label: 'Outlook Calendar', ...MICROSOFT, scopes: ['openid', 'email', 'offline_access', 'https://graph.microsoft.com/Calendars.ReadWrite'] },
  hubspot: {
    label: 'HubSpot',
    authorizeUrl: 'https://app.hubspot.com/oauth/authorize',
    tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
    revokeUrl: null,
    userinfoUrl: null,
    scopes: ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write'],
  },
  salesforce: {
    label: 'Salesforce',
    authorizeUrl: 'https://login.salesforce.com/services/oauth2/authorize',
    tokenUrl: 'https://login.salesforce.com/services/oauth2/token',
    revokeUrl: 'https://login.salesforce.com/services/oauth2/revoke',
    userinfoUrl: 'https://login.salesforce.com/services/oauth2/userinfo',
    scopes: ['api', 'refresh_token', 'openid', 'email'],
  },
} satisfies Record<string, OAuthProviderDefinition>;

export type OAuthProviderId = keyof typeof OAUTH_PROVIDER_DEFINITIONS;
export const OAUTH_PROVIDER_IDS = Object.keys(OAUTH_PROVIDER_DEFINITIONS) as OAuthProviderId[];

export interface OAuthProviderConfig extends OAuthProviderDefinition {
  id: OAuthProviderId;
  clientId: string;
  clientSecret: string;
}

/** Configured providers only; a provider without a client id and secret cannot be connected. */
export type OAuthProviderConfigs = Partial<Record<OAuthProviderId, OAuthProviderConfig>>;

export const oauthEnvPrefix = (id: OAuthProviderId) => `OAUTH_${id.toUpperCase()}_`;

export class OAuthConfigError extends Error {}

/** Reads every `OAUTH_<PROVIDER>_*` variable (called by config.ts, so it is read once at start). */
export function loadOAuthProviders(source: Record<string, string | undefined>): OAuthProviderConfigs {
  const configs: OAuthProviderConfigs = {};
  for (const id of OAUTH_PROVIDER_IDS) {
    const prefix = oauthEnvPrefix(id);
    const read = (name: string) => {
      const value = source[prefix + name]?.trim();
      return value ? value : undefined;
    };
    const clientId = read('CLIENT_ID');
    const clientSecret = read('CLIENT_SECRET');
    if ((clientId === undefined) !== (clientSecret === undefined)) throw new OAuthConfigError(`Set both ${prefix}CLIENT_ID and ${prefix}CLIENT_SECRET, or neither.`);
    if (!clientId || !clientSecret) continue;
    const definition: OAuthProviderDefinition = OAUTH_PROVIDER_DEFINITIONS[id];
    const url = (name: string, fallback: string | null) => {
      const value = read(name);
      if (value === undefined) return fallback;
      if (value === 'none') return null;
      if (!/^https?:\/\//.test(value) || !URL.canParse(value)) throw new OAuthConfigError(`${prefix}${name} must be an http(s) URL (or "none").`);
      return value;
    };
    configs[id] = {
      ...definition,
      id,
      clientId,
      clientSecret,
      authorizeUrl: url('AUTHORIZE_URL', definition.authorizeUrl)!,
      tokenUrl: url('TOKEN_URL', definition.tokenUrl)!,
      revokeUrl: url('REVOKE_URL', definition.revokeUrl),
      userinfoUrl: url('USERINFO_URL', definition.userinfoUrl),
      scopes: read('SCOPES')?.split(/\s+/) ?? definition.scopes,
    };
  }
  return configs;
}
