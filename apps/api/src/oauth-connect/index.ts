/**
 * Connecting a workspace to an outside account by OAuth 2.0 (authorization code + PKCE + state):
 * used by channels (Gmail, Outlook) and connected apps (HubSpot, Salesforce, calendars).
 *
 * An area registers a purpose (`registerOAuthPurpose('channel', onConnected)`), starts a connect
 * from a procedure (`startOAuthConnect` → the URL the console opens), and finds its connection
 * created in `onConnected` when the provider sends the browser back to GET /oauth/callback.
 * Later: `getAccessToken` (renewed before expiry), `refreshOAuthConnection`,
 * `disconnectOAuthConnection` (revokes), `describeConnection` (never a token).
 */
export { CALLBACK_PATH, completeOAuthConnect, CONNECT_STATE_TTL_MS, type ConnectedEvent, oauthCallbackRoute, type OAuthPurpose, type OnConnected, registerOAuthPurpose, resealConnectStates, startOAuthConnect } from './connect.js';
export {
  configuredProviders,
  describeConnection,
  disconnectOAuthConnection,
  getAccessToken,
  getOAuthConnection,
  listOAuthConnections,
  type OAuthConnectDeps,
  type OAuthConnectionView,
  providerConfig,
  REFRESH_MARGIN_MS,
  refreshExpiringConnections,
  refreshOAuthConnection,
  resealOAuthSecrets,
} from './connections.js';
export { OAUTH_PROVIDER_DEFINITIONS, OAUTH_PROVIDER_IDS, type OAuthProviderConfig, type OAuthProviderId } from './providers.js';
