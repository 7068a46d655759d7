import { randomUUID } from 'node:crypto';
import { type Database, type Db, sql, type Transaction } from '@steward/db';
import type { Config } from '../config.js';
import { AppError, notFound } from '../errors.js';
import { type Keyring, openSecret, sealSecret } from '../secrets.js';
import { type OAuthProviderConfig, type OAuthProviderId, OAUTH_PROVIDER_DEFINITIONS } from './providers.js';
import { OAuthProviderError, OAuthTransportError, refreshAccessToken, revokeToken, type TokenSet } from './token-requests.js';

export interface OAuthConnectDeps {
  db: Db;
  config: Config;
  keyring: Keyring;
}

/** An access token is renewed when it has less than this left (or on the scheduled sweep). */
export const REFRESH_MARGIN_MS = 5 * 60_000;

const tokenContext = (organisationId: string, connectionId: string, which: 'access' | 'refresh') => `${organisationId}/oauth/${connectionId}/${which}`;

export function providerConfig(config: Config, provider: string): OAuthProviderConfig {
  const configured = config.oauthProviders[provider as OAuthProviderId];
  if (configured) return configured;
  const label = OAUTH_PROVIDER_DEFINITIONS[provider as OAuthProviderId]?.label ?? provider;
  throw new AppError(
    'PRECONDITION_FAILED',
    `${label} is not set up on this server: set OAUTH_${provider.toUpperCase()}_CLIENT_ID and OAUTH_${provider.toUpperCase()}_CLIENT_SECRET.`,
  );
}

/** Which providers this server can connect to (their client id and secret are configured). */
export function configuredProviders(config: Config) {
  return Object.values(config.oauthProviders).map((p) => ({ id: p.id, label: p.label }));
}

const connectionColumns = [
  'c.id',
  'c.organisation_id',
  'c.workspace_id',
  'c.provider',
  'c.purpose',
  'c.account',
  'c.scopes',
  'c.status',
  'c.failure_reason',
  'c.failing_since',
  'c.access_expires_at',
  'c.last_refreshed_at',
  'c.created_at',
] as const;

type ConnectionRow = Awaited<ReturnType<typeof selectConnection>>;
function selectConnection(db: Db | Transaction<Database>, id: string) {
  return db.selectFrom('oauth_connections as c').select(connectionColumns).where('c.id', '=', id).executeTakeFirstOrThrow();
}

/** What the console and the API may see of a connection: never a token. */
export function describeConnection(row: NonNullable<ConnectionRow>) {
  return {
    id: row.id,
    provider: row.provider,
    providerLabel: OAUTH_PROVIDER_DEFINITIONS[row.provider as OAuthProviderId]?.label ?? row.provider,
    account: row.account,
    scopes: row.scopes,
    status: row.status,
    failureReason: row.failure_reason,
    failingSince: row.failing_since?.toISOString() ?? null,
    accessExpiresAt: row.access_expires_at?.toISOString() ?? null,
    lastRefreshedAt: row.last_refreshed_at?.toISOString() ?? null,
    connectedAt: row.created_at.toISOString(),
  };
}
export type OAuthConnectionView = ReturnType<typeof describeConnection>;

/** The connections of one workspace (optionally for one purpose), newest first. */
export async function listOAuthConnections(db: Db | Transaction<Database>, place: { organisationId: string; workspaceId: string }, purpose?: string) {
  let query = db
    .selectFrom('oauth_connections as c')
    .select(connectionColumns)
    .where('c.organisation_id', '=', place.organisationId)
    .where('c.workspace_id', '=', place.workspaceId);
  if (purpose) query = query.where('c.purpose', '=', purpose);
  return (await query.orderBy('c.created_at', 'desc').execute()).map(describeConnection);
}

export async function getOAuthConnection(db: Db | Transaction<Database>, place: { organisationId: string; workspaceId: string }, connectionId: string) {
  const row = await db
    .selectFrom('oauth_connections as c')
    .select(connectionColumns)
    .where('c.id', '=', connectionId)
    .where('c.organisation_id', '=', place.organisationId)
    .where('c.workspace_id', '=', place.workspaceId)
    .executeTakeFirst();
  if (!row) throw notFound('Connection');
  return describeConnection(row);
}

/** Stores a new connection's tokens, sealed; called inside the callback's transaction. */
export async function insertConnection(
  trx: Transaction<Database>,
  keyring: Keyring,
  input: { organisationId: string; workspaceId: string; provider: string; purpose: string; account: string | null; scopes: string[]; tokens: TokenSet; connectedBy: string },
) {
  const id = randomUUID();
  const access = sealSecret(keyring, input.tokens.accessToken, tokenContext(input.organisationId, id, 'access'));
  const refresh = input.tokens.refreshToken ? sealSecret(keyring, input.tokens.refreshToken, tokenContext(input.organisationId, id, 'refresh')) : null;
  await trx
    .insertInto('oauth_connections')
    .values({
      id,
      organisation_id: input.organisationId,
      workspace_id: input.workspaceId,
      provider: input.provider,
      purpose: input.purpose,
      account: input.account,
      scopes: input.tokens.scopes ?? input.scopes,
      access_token_ciphertext: access.ciphertext,
      // Sealed in the same call, so both carry the current key version.
      refresh_token_ciphertext: refresh?.ciphertext ?? null,
      key_version: access.keyVersion,
      access_expires_at: input.tokens.expiresAt,
      connected_by: input.connectedBy,
    })
    .execute();
  return describeConnection(await selectConnection(trx, id));
}

async function lockWithTokens(trx: Transaction<Database>, connectionId: string) {
  return trx
    .selectFrom('oauth_connections as c')
    .select([...connectionColumns, 'c.access_token_ciphertext', 'c.refresh_token_ciphertext', 'c.key_version'])
    .where('c.id', '=', connectionId)
    .forUpdate()
    .executeTakeFirst();
}
type LockedConnection = NonNullable<Awaited<ReturnType<typeof lockWithTokens>>>;

function openTokens(keyring: Keyring, row: LockedConnection) {
  const open = (ciphertext: string, which: 'access' | 'refresh') => openSecret(keyring, { ciphertext, keyVersion: row.key_version }, tokenContext(row.organisation_id, row.id, which));
  return { accessToken: open(row.access_token_ciphertext, 'access'), refreshToken: row.refresh_token_ciphertext ? open(row.refresh_token_ciphertext, 'refresh') : null };
}

export function needsReconnection(row: { provider: string; account: string | null; failure_reason: string | null }) {
  const label = OAUTH_PROVIDER_DEFINITIONS[row.provider as OAuthProviderId]?.label ?? row.provider;
  return new AppError('PRECONDITION_FAILED', `The ${label} connection${row.account ? ` of ${row.account}` : ''} needs reconnecting: ${row.failure_reason ?? 'the provider no longer accepts it'}.`);
}

/**
 * Renews the access token with the refresh token, under the connection's row lock, so two
 * processes never spend the same refresh token twice. `invalid_grant` (expired or revoked
 * refresh token) marks the connection as needing reconnection, with why and since when.
 */
async function refreshLocked(deps: OAuthConnectDeps, trx: Transaction<Database>, row: LockedConnection, now: Date) {
  const provider = providerConfig(deps.config, row.provider);
  const { refreshToken } = openTokens(deps.keyring, row);
  if (!refreshToken) {
    return markNeedsReconnection(trx, row, `${provider.label} gave no refresh token, so the access could not be renewed`, now);
  }
  let tokens: TokenSet;
  try {
    tokens = await refreshAccessToken(provider, refreshToken, now);
  } catch (error) {
    if (error instanceof OAuthProviderError && (error.error === 'invalid_grant' || error.error === 'unauthorized_client' || error.error === 'invalid_client')) {
      const reason =
        error.error === 'invalid_grant'
          ? `${provider.label} no longer accepts the saved authorisation (it expired or was revoked${error.description ? `: ${error.description}` : ''})`
          : `${provider.label} refused this server's client credentials (${error.error})`;
      return markNeedsReconnection(trx, row, reason, now);
    }
    if (error instanceof OAuthProviderError || error instanceof OAuthTransportError) {
      throw new AppError('PRECONDITION_FAILED', `Could not renew the ${provider.label} access: ${error.message}`);
    }
    throw error;
  }
  const access = sealSecret(deps.keyring, tokens.accessToken, tokenContext(row.organisation_id, row.id, 'access'));
  // Providers that rotate refresh tokens send a new one; the others keep the old one valid.
  const refresh = sealSecret(deps.keyring, tokens.refreshToken ?? refreshToken, tokenContext(row.organisation_id, row.id, 'refresh'));
  await trx
    .updateTable('oauth_connections')
    .set({
      access_token_ciphertext: access.ciphertext,
      refresh_token_ciphertext: refresh.ciphertext,
      key_version: access.keyVersion,
      access_expires_at: tokens.expiresAt,
      ...(tokens.scopes ? { scopes: tokens.scopes } : {}),
      status: 'connected',
      failure_reason: null,
      failing_since: null,
      last_refreshed_at: now,
      updated_at: now,
    })
    .where('id', '=', row.id)
    .execute();
  return { ok: true as const, accessToken: tokens.accessToken };
}

async function markNeedsReconnection(trx: Transaction<Database>, row: LockedConnection, reason: string, now: Date) {
  await trx
    .updateTable('oauth_connections')
    .set({ status: 'needs_reconnection', failure_reason: reason, failing_since: sql<Date>`coalesce(failing_since, ${now})`, updated_at: now })
    .where('id', '=', row.id)
    .execute();
  return { ok: false as const, row: { ...row, failure_reason: reason } };
}

/**
 * A usable access token for the connection: the stored one while it has more than the margin
 * left, else a renewed one. Throws PRECONDITION_FAILED when the connection needs reconnecting.
 */
export async function getAccessToken(deps: OAuthConnectDeps, connectionId: string, now = new Date()): Promise<string> {
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const row = await lockWithTokens(trx, connectionId);
    if (!row) throw notFound('Connection');
    if (row.status === 'needs_reconnection') return { ok: false as const, row };
    const fresh = !row.access_expires_at || row.access_expires_at.getTime() - now.getTime() > REFRESH_MARGIN_MS;
    if (fresh) return { ok: true as const, accessToken: openTokens(deps.keyring, row).accessToken };
    return refreshLocked(deps, trx, row, now);
  });
  if (!outcome.ok) throw needsReconnection(outcome.row);
  return outcome.accessToken;
}

/** Renews the access token now, whatever its expiry ("refresh" in the console; tests). */
export async function refreshOAuthConnection(deps: OAuthConnectDeps, connectionId: string, now = new Date()) {
  await deps.db.transaction().execute(async (trx) => {
    const row = await lockWithTokens(trx, connectionId);
    if (!row) throw notFound('Connection');
    await refreshLocked(deps, trx, row, now);
  });
  return describeConnection(await selectConnection(deps.db, connectionId));
}

/**
 * The scheduled sweep: renews every connected token that expires within `within`, so that tokens are
 * renewed before they lapse and a dead authorisation shows in the console before anyone needs it.
 * `skip locked`: two processes sweeping at once share the work.
 */
export async function refreshExpiringConnections(deps: OAuthConnectDeps, now = new Date(), within = 2 * REFRESH_MARGIN_MS) {
  const due = await deps.db
    .selectFrom('oauth_connections')
    .select('id')
    .where('status', '=', 'connected')
    .where('refresh_token_ciphertext', 'is not', null)
    .where('access_expires_at', '<', new Date(now.getTime() + within))
    .orderBy('access_expires_at')
    .limit(500)
    .execute();
  let refreshed = 0;
  let failed = 0;
  // One transaction per connection: each holds a network call to its provider.
  for (const { id } of due) {
    const result = await deps.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('oauth_connections as c')
        .select([...connectionColumns, 'c.access_token_ciphertext', 'c.refresh_token_ciphertext', 'c.key_version'])
        .where('c.id', '=', id)
        .where('c.status', '=', 'connected')
        .where('c.access_expires_at', '<', new Date(now.getTime() + within))
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!row) return null;
      return refreshLocked(deps, trx, row, now).catch((error: unknown) => {
        if (error instanceof AppError) return { ok: false as const };
        throw error;
      });
    });
    if (result?.ok) refreshed += 1;
    else if (result) failed += 1;
  }
  return { refreshed, failed };
}

/**
 * Disconnects: under the row lock, `beforeDelete` removes what stands on the connection (a
 * channel, an app), the tokens are forgotten, and after commit they are revoked at the provider.
 * A provider that cannot be reached does not keep the connection: the answer says so instead.
 */
export async function disconnectOAuthConnection(
  deps: OAuthConnectDeps,
  place: { organisationId: string; workspaceId: string },
  connectionId: string,
  beforeDelete: (trx: Transaction<Database>) => Promise<void> = async () => {},
) {
  const removed = await deps.db.transaction().execute(async (trx) => {
    const row = await lockWithTokens(trx, connectionId);
    if (!row || row.organisation_id !== place.organisationId || row.workspace_id !== place.workspaceId) throw notFound('Connection');
    await beforeDelete(trx);
    await trx.deleteFrom('oauth_connections').where('id', '=', connectionId).execute();
    return { row, tokens: openTokens(deps.keyring, row) };
  });
  const provider = deps.config.oauthProviders[removed.row.provider as OAuthProviderId];
  if (!provider?.revokeUrl) return { revoked: false, message: `${provider?.label ?? removed.row.provider} has no revocation endpoint; the tokens were deleted.` };
  try {
    // Revoking the refresh token ends the whole grant at Google and Salesforce; the access token as well, to be sure.
    if (removed.tokens.refreshToken) await revokeToken(provider, removed.tokens.refreshToken, 'refresh_token');
    await revokeToken(provider, removed.tokens.accessToken, 'access_token');
    return { revoked: true, message: `Access was revoked at ${provider.label} and the tokens were deleted.` };
  } catch (error) {
    if (error instanceof OAuthProviderError || error instanceof OAuthTransportError) {
      return { revoked: false, message: `The tokens were deleted, but ${provider.label} did not confirm the revocation (${error.message}). You can also remove Steward's access in your ${provider.label} account settings.` };
    }
    throw error;
  }
}

/** Re-seals every stored token under the current key (`rotate-secret-key`). Returns how many connections changed. */
export async function resealOAuthSecrets(db: Db, keyring: Keyring): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const connections = await trx
      .selectFrom('oauth_connections')
      .select(['id', 'organisation_id', 'access_token_ciphertext', 'refresh_token_ciphertext', 'key_version'])
      .where('key_version', '!=', keyring.current.version)
      .forUpdate()
      .execute();
    for (const row of connections) {
      const reseal = (ciphertext: string, which: 'access' | 'refresh') => {
        const context = tokenContext(row.organisation_id, row.id, which);
        return sealSecret(keyring, openSecret(keyring, { ciphertext, keyVersion: row.key_version }, context), context);
      };
      const access = reseal(row.access_token_ciphertext, 'access');
      const refresh = row.refresh_token_ciphertext ? reseal(row.refresh_token_ciphertext, 'refresh') : null;
      await trx
        .updateTable('oauth_connections')
        .set({ access_token_ciphertext: access.ciphertext, refresh_token_ciphertext: refresh?.ciphertext ?? null, key_version: access.keyVersion })
        .where('id', '=', row.id)
        .execute();
    }
    return connections.length;
  });
}
