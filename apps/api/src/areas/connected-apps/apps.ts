import type { Database, Db, Transaction } from '@steward/db';
import { AppError } from '../../errors.js';
import {
  type ConnectedEvent,
  disconnectOAuthConnection,
  listOAuthConnections,
  type OAuthConnectDeps,
  type OAuthProviderId,
  OAUTH_PROVIDER_DEFINITIONS,
  refreshOAuthConnection,
  registerOAuthPurpose,
  startOAuthConnect,
} from '../../oauth-connect/index.js';
import { type Actor, recordAudit } from '../audit/record.js';

/**
 * Connected apps (seed 002 "Integrations"): HubSpot, Salesforce, Google Calendar and Outlook
 * Calendar, one connection of each per workspace, through the shared OAuth machinery
 * (oauth-connect/: PKCE, state, sealed tokens, renewal, revocation). A connection is an
 * `oauth_connections` row whose purpose is `app`; this area adds the catalogue, "one per app"
 * and the audit. (Two-way record sync is not built: see README.)
 */

export const CONNECTED_APPS = {
  hubspot: { description: 'Your HubSpot CRM: contacts and companies.' },
  salesforce: { description: 'Your Salesforce org: contacts, accounts and opportunities.' },
  google_calendar: { description: 'Google Calendar: meetings with your contacts.' },
  outlook_calendar: { description: 'Outlook Calendar (Microsoft 365): meetings with your contacts.' },
} as const satisfies Partial<Record<OAuthProviderId, { description: string }>>;

export type ConnectedAppId = keyof typeof CONNECTED_APPS;
export const CONNECTED_APP_IDS = Object.keys(CONNECTED_APPS) as [ConnectedAppId, ...ConnectedAppId[]];

export const APP_PURPOSE = 'app';

export interface AppPlace {
  organisationId: string;
  workspaceId: string;
}

/**
 * A finished connect, in the callback's transaction: the workspace's earlier connection to the
 * same app (e.g. one that needed reconnecting) is replaced. Its tokens are forgotten, not revoked:
 * at Google and Salesforce revoking one token of a grant ends the whole grant, the new one included.
 */
async function replaceEarlierConnection(trx: Transaction<Database>, event: ConnectedEvent) {
  const { connection } = event;
  const replaced = await trx
    .deleteFrom('oauth_connections')
    .where('organisation_id', '=', connection.organisationId)
    .where('workspace_id', '=', connection.workspaceId)
    .where('provider', '=', connection.provider)
    .where('purpose', '=', APP_PURPOSE)
    .where('id', '!=', connection.id)
    .returning(['id', 'account'])
    .execute();
  if (replaced.length > 0) {
    await recordAudit(trx, event.actor, {
      organisationId: connection.organisationId,
      workspaceId: connection.workspaceId,
      action: 'connectedApps.replace',
      targetType: 'oauth_connection',
      targetId: connection.id,
      before: replaced,
    });
  }
}
registerOAuthPurpose(APP_PURPOSE, replaceEarlierConnection);

/** Every app: whether this server can connect it, and the workspace's connection (status, account, granted scopes; never a token). */
export async function listConnectedApps(deps: Pick<OAuthConnectDeps, 'db' | 'config'>, place: AppPlace) {
  const connections = await listOAuthConnections(deps.db, place, APP_PURPOSE);
  return {
    apps: CONNECTED_APP_IDS.map((app) => ({
      app,
      label: OAUTH_PROVIDER_DEFINITIONS[app].label,
      description: CONNECTED_APPS[app].description,
      /** The server has this app's OAuth client (OAUTH_<APP>_CLIENT_ID and _SECRET). */
      available: Boolean(deps.config.oauthProviders[app]),
      connection: connections.find((c) => c.provider === app) ?? null,
    })),
  };
}

async function connectionOf(db: Db, place: AppPlace, app: ConnectedAppId) {
  const connection = (await listOAuthConnections(db, place, APP_PURPOSE)).find((c) => c.provider === app);
  if (!connection) throw new AppError('NOT_FOUND', `${OAUTH_PROVIDER_DEFINITIONS[app].label} is not connected to this workspace.`);
  return connection;
}

/** "Connect": the provider's consent page to open; the connection exists once the browser comes back. */
export async function connectApp(deps: OAuthConnectDeps, actor: Actor, place: AppPlace, app: ConnectedAppId, returnTo: string) {
  const started = await startOAuthConnect(deps, actor, { ...place, provider: app, purpose: { kind: APP_PURPOSE }, returnTo });
  await recordAudit(deps.db, actor, { ...place, action: 'connectedApps.connect', targetType: 'connected_app', targetId: app, after: { started: true } });
  return started;
}

/** Renews the access now: shows at once whether the app still accepts Steward (else: needs reconnecting, and why). */
export async function refreshApp(deps: OAuthConnectDeps, actor: Actor, place: AppPlace, app: ConnectedAppId) {
  const connection = await connectionOf(deps.db, place, app);
  const refreshed = await refreshOAuthConnection(deps, connection.id);
  await recordAudit(deps.db, actor, { ...place, action: 'connectedApps.refresh', targetType: 'oauth_connection', targetId: connection.id, after: { status: refreshed.status, failureReason: refreshed.failureReason } });
  return refreshed;
}

/** "Disconnect": the tokens are deleted, and revoked at the app where it can revoke them. */
export async function disconnectApp(deps: OAuthConnectDeps, actor: Actor, place: AppPlace, app: ConnectedAppId) {
  const connection = await connectionOf(deps.db, place, app);
  const outcome = await disconnectOAuthConnection(deps, place, connection.id, (trx) =>
    recordAudit(trx, actor, { ...place, action: 'connectedApps.disconnect', targetType: 'oauth_connection', targetId: connection.id, before: { app, account: connection.account, scopes: connection.scopes } }),
  );
  return { app, ...outcome };
}
