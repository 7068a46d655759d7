import { createHash } from 'node:crypto';
import { generateCodeVerifier, generateState } from 'arctic';
import type { Request, Response } from 'express';
import type { Database, Db, Transaction } from '@steward/db';
import { readSession, type StewardLucia } from '../auth/sessions.js';
import { AppError, invalid } from '../errors.js';
import type { Logger } from '../logger.js';
import { type Keyring, openSecret, sealSecret } from '../secrets.js';
import { type Actor, recordAudit } from '../areas/audit/record.js';
import { insertConnection, type OAuthConnectDeps, type OAuthConnectionView, providerConfig } from './connections.js';
import type { OAuthProviderId } from './providers.js';
import { exchangeAuthorizationCode, fetchAccountName, OAuthProviderError, OAuthTransportError } from './token-requests.js';

/** How long the provider's consent screen may take before the started connect is forgotten. */
export const CONNECT_STATE_TTL_MS = 10 * 60_000;
export const CALLBACK_PATH = '/oauth/callback';

/** What the area that started a connect wants done with it; `kind` picks the handler. */
export interface OAuthPurpose {
  kind: string;
  [detail: string]: unknown;
}

export interface ConnectedEvent {
  connection: OAuthConnectionView & { organisationId: string; workspaceId: string };
  purpose: OAuthPurpose;
  actor: Actor;
}

/**
 * Runs in the callback's transaction, after the connection row is written (e.g. creates the
 * channel that uses it). Throwing an AppError undoes the connection and shows the message.
 */
export type OnConnected = (trx: Transaction<Database>, event: ConnectedEvent) => Promise<void>;

const purposes = new Map<string, OnConnected>();

/** Areas register what a finished connect of their kind does (channels: 'channel'; apps: 'app'). */
export function registerOAuthPurpose(kind: string, onConnected: OnConnected) {
  purposes.set(kind, onConnected);
}

const hashState = (state: string) => createHash('sha256').update(state).digest('hex');
const verifierContext = (stateHash: string) => `oauth-connect-state/${stateHash}`;

/** Only a path of this console: never another site (an open redirect). */
function safeReturnPath(returnTo: string) {
  if (!returnTo.startsWith('/') || returnTo.startsWith('//') || returnTo.includes('\\')) throw invalid('returnTo must be a path of the console, starting with a single "/".');
  return returnTo;
}

export const redirectUri = (deps: OAuthConnectDeps) => new URL(CALLBACK_PATH, deps.config.publicUrl).toString();

/**
 * Step 1: a state and a PKCE verifier, kept server-side for ten minutes (the verifier sealed),
 * and the provider's authorization URL for the browser to open.
 */
export async function startOAuthConnect(
  deps: OAuthConnectDeps,
  actor: Actor,
  input: { organisationId: string; workspaceId: string; provider: OAuthProviderId; purpose: OAuthPurpose; returnTo: string },
  now = new Date(),
) {
  const provider = providerConfig(deps.config, input.provider);
  if (!purposes.has(input.purpose.kind)) throw new Error(`No OAuth purpose '${input.purpose.kind}' is registered.`);
  const state = generateState();
  const codeVerifier = generateCodeVerifier();
  const stateHash = hashState(state);
  const sealed = sealSecret(deps.keyring, codeVerifier, verifierContext(stateHash));
  await deps.db.transaction().execute(async (trx) => {
    // Abandoned connects are cleared on the way, so the table stays as small as the connects in flight.
    await trx.deleteFrom('oauth_connect_states').where('expires_at', '<', now).execute();
    await trx
      .insertInto('oauth_connect_states')
      .values({
        state_hash: stateHash,
        organisation_id: input.organisationId,
        workspace_id: input.workspaceId,
        user_id: actor.userId,
        provider: input.provider,
        purpose: JSON.stringify(input.purpose),
        return_to: safeReturnPath(input.returnTo),
        code_verifier_ciphertext: sealed.ciphertext,
        key_version: sealed.keyVersion,
        expires_at: new Date(now.getTime() + CONNECT_STATE_TTL_MS),
      })
      .execute();
  });
  const url = new URL(provider.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', provider.clientId);
  url.searchParams.set('redirect_uri', redirectUri(deps));
  url.searchParams.set('scope', provider.scopes.join(' '));
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', createHash('sha256').update(codeVerifier).digest('base64url'));
  url.searchParams.set('code_challenge_method', 'S256');
  for (const [name, value] of Object.entries(provider.authorizeParams ?? {})) url.searchParams.set(name, value);
  return { authorizeUrl: url.toString() };
}

function withQuery(path: string, params: Record<string, string>) {
  const url = new URL(path, 'http://console.invalid');
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return `${url.pathname}${url.search}`;
}

/**
 * Step 2, the provider's redirect back: the state must be one we issued, unexpired, unused and
 * started by the same signed-in user; the code is exchanged with the verifier; the tokens are
 * sealed; the purpose's handler runs in the same transaction. Returns where to send the browser.
 */
export async function completeOAuthConnect(
  deps: OAuthConnectDeps,
  caller: { user: { id: string; email: string } | null; requestId: string; ip: string | null },
  query: { state?: unknown; code?: unknown; error?: unknown; error_description?: unknown },
  now = new Date(),
): Promise<{ redirectTo: string; connection?: OAuthConnectionView }> {
  if (typeof query.state !== 'string' || !query.state) throw invalid('The provider sent the browser back without a state. Start the connection again.');
  // Single use: the row is deleted as it is read.
  const started = await deps.db.deleteFrom('oauth_connect_states').where('state_hash', '=', hashState(query.state)).returningAll().executeTakeFirst();
  if (!started || started.expires_at.getTime() < now.getTime()) throw invalid('This connection attempt is unknown or expired (it lasts 10 minutes). Start it again.');
  if (!caller.user || caller.user.id !== started.user_id) throw new AppError('FORBIDDEN', 'This connection was started by someone else, or your session ended. Sign in and start it again.');

  const fail = (message: string) => ({ redirectTo: withQuery(started.return_to, { oauth_error: message }) });
  const provider = providerConfig(deps.config, started.provider);
  if (typeof query.error === 'string') {
    const words = query.error === 'access_denied' ? 'access was not granted' : `${query.error}${typeof query.error_description === 'string' ? `: ${query.error_description}` : ''}`;
    return fail(`${provider.label} did not connect: ${words}.`.slice(0, 300));
  }
  if (typeof query.code !== 'string' || !query.code) return fail(`${provider.label} sent no authorization code.`);

  const codeVerifier = openSecret(deps.keyring, { ciphertext: started.code_verifier_ciphertext, keyVersion: started.key_version }, verifierContext(started.state_hash));
  let tokens;
  try {
    tokens = await exchangeAuthorizationCode(provider, { code: query.code, codeVerifier, redirectUri: redirectUri(deps) }, now);
  } catch (error) {
    if (error instanceof OAuthProviderError || error instanceof OAuthTransportError) return fail(`${provider.label} did not accept the connection (${error.message}).`.slice(0, 300));
    throw error;
  }
  const account = await fetchAccountName(provider, tokens.accessToken);
  const purpose = started.purpose as OAuthPurpose;
  const onConnected = purposes.get(purpose.kind);
  if (!onConnected) throw new Error(`No OAuth purpose '${purpose.kind}' is registered.`);
  const actor: Actor = { userId: caller.user.id, email: caller.user.email, apiKeyId: null, requestId: caller.requestId, ip: caller.ip };
  try {
    const connection = await deps.db.transaction().execute(async (trx) => {
      const view = await insertConnection(trx, deps.keyring, {
        organisationId: started.organisation_id,
        workspaceId: started.workspace_id,
        provider: started.provider,
        purpose: purpose.kind,
        account,
        scopes: provider.scopes,
        tokens,
        connectedBy: caller.user!.id,
      });
      await onConnected(trx, { connection: { ...view, organisationId: started.organisation_id, workspaceId: started.workspace_id }, purpose, actor });
      await recordAudit(trx, actor, {
        organisationId: started.organisation_id,
        workspaceId: started.workspace_id,
        action: 'oauth.connect',
        targetType: 'oauth_connection',
        targetId: view.id,
        after: { provider: view.provider, purpose: purpose.kind, account: view.account, scopes: view.scopes },
      });
      return view;
    });
    return { redirectTo: withQuery(started.return_to, { connected: started.provider }), connection };
  } catch (error) {
    if (error instanceof AppError) return fail(error.message);
    throw error;
  }
}

/** GET /oauth/callback: the browser comes back from the provider with the signed-in session's cookie. */
export function oauthCallbackRoute(deps: OAuthConnectDeps & { logger: Logger; lucia: StewardLucia }) {
  return async (req: Request, res: Response) => {
    try {
      const session = await readSession(deps.lucia, req.get('cookie'));
      if (session.setCookie) res.append('Set-Cookie', session.setCookie);
      const { redirectTo } = await completeOAuthConnect(deps, { user: session.user, requestId: req.requestId, ip: req.ip ?? null }, req.query);
      res.redirect(303, redirectTo);
    } catch (error) {
      if (!(error instanceof AppError)) {
        deps.logger.error('OAuth callback failed', { requestId: req.requestId, error });
        res.status(500).type('text').send(`Something went wrong on our side (request ${req.requestId}).`);
        return;
      }
      res.status(error.code === 'FORBIDDEN' ? 403 : 400).type('text').send(error.message);
    }
  };
}

/** Re-seals the PKCE verifiers of connects still pending under the current key (`rotate-secret-key`). */
export async function resealConnectStates(db: Db, keyring: Keyring): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('oauth_connect_states')
      .select(['state_hash', 'code_verifier_ciphertext', 'key_version'])
      .where('key_version', '!=', keyring.current.version)
      .forUpdate()
      .execute();
    for (const row of rows) {
      const context = verifierContext(row.state_hash);
      const sealed = sealSecret(keyring, openSecret(keyring, { ciphertext: row.code_verifier_ciphertext, keyVersion: row.key_version }, context), context);
      await trx.updateTable('oauth_connect_states').set({ code_verifier_ciphertext: sealed.ciphertext, key_version: sealed.keyVersion }).where('state_hash', '=', row.state_hash).execute();
    }
    return rows.length;
  });
}
