import { randomUUID } from 'node:crypto';
import { type ChannelKind, type Database, type Db, sql, type Transaction } from '@steward/db';
import type { Config } from '../../config.js';
import { AppError, isUniqueViolation, notFound } from '../../errors.js';
import { type Keyring, openSecret, sealSecret } from '../../secrets.js';
import { configuredProviders, disconnectOAuthConnection, getAccessToken, registerOAuthPurpose, startOAuthConnect } from '../../oauth-connect/index.js';
import { type Actor, recordAudit, SECRET_MARKER } from '../audit/record.js';
import { ChannelFailure, type SmtpSettings, type SmtpTlsMode, verifySmtp } from './smtp.js';
import { checkTwilioAccount } from './twilio.js';

/**
 * A workspace's channels: where conversations come from and replies go out. Gmail and Outlook
 * stand on an OAuth connection (oauth-connect/); SMTP and Twilio keep their password or Auth
 * Token sealed on the channel row. A channel whose credentials stop working says why and since when.
 */

export interface ChannelDeps {
  db: Db;
  config: Config;
  keyring: Keyring;
}
export interface ChannelPlace {
  organisationId: string;
  workspaceId: string;
}

const secretContext = (organisationId: string, channelId: string) => `${organisationId}/channel/${channelId}/secret`;
export const twilioWebhookPath = (channelId: string, what: 'sms' | 'voice') => `/webhooks/twilio/${channelId}/${what}`;

type Settings = { host?: string; port?: number; tlsMode?: SmtpTlsMode; username?: string; accountSid?: string };

function channelQuery(db: Db | Transaction<Database>) {
  return db
    .selectFrom('channels as ch')
    .leftJoin('oauth_connections as oc', 'oc.id', 'ch.oauth_connection_id')
    .select([
      'ch.id',
      'ch.organisation_id',
      'ch.workspace_id',
      'ch.kind',
      'ch.name',
      'ch.address',
      'ch.settings',
      'ch.secret_ciphertext',
      'ch.key_version',
      'ch.status',
      'ch.failure_reason',
      'ch.failing_since',
      'ch.last_checked_at',
      'ch.oauth_connection_id',
      'oc.account as connection_account',
      'oc.scopes as connection_scopes',
      'oc.status as connection_status',
      'oc.failure_reason as connection_failure_reason',
      'oc.failing_since as connection_failing_since',
      'oc.access_expires_at as connection_expires_at',
    ])
    .select((eb) => eb.fn.coalesce(eb.selectFrom('inbox_channels as ic').select(sql<string[]>`array_agg(ic.inbox_id::text)`.as('ids')).whereRef('ic.channel_id', '=', 'ch.id'), sql<string[]>`'{}'`).as('inbox_ids'));
}
type ChannelRow = NonNullable<Awaited<ReturnType<ReturnType<typeof channelQuery>['executeTakeFirst']>>>;

export function openChannelSecret(keyring: Keyring, row: Pick<ChannelRow, 'organisation_id' | 'id' | 'secret_ciphertext' | 'key_version'>) {
  if (!row.secret_ciphertext || !row.key_version) return null;
  return openSecret(keyring, { ciphertext: row.secret_ciphertext, keyVersion: row.key_version }, secretContext(row.organisation_id, row.id));
}

function describeChannel(deps: ChannelDeps, row: ChannelRow) {
  const settings = row.settings as Settings;
  const secret = openChannelSecret(deps.keyring, row);
  const needsReconnection = row.connection_status === 'needs_reconnection';
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    address: row.address,
    status: needsReconnection ? ('needs_reconnection' as const) : row.status,
    failureReason: needsReconnection ? row.connection_failure_reason : row.failure_reason,
    failingSince: (needsReconnection ? row.connection_failing_since : row.failing_since)?.toISOString() ?? null,
    lastCheckedAt: row.last_checked_at?.toISOString() ?? null,
    settings: {
      ...(settings.host !== undefined ? { host: settings.host, port: settings.port, tlsMode: settings.tlsMode, username: settings.username } : {}),
      ...(settings.accountSid !== undefined ? { accountSid: settings.accountSid } : {}),
    },
    secretMask: secret ? `••••${secret.slice(-4)}` : null,
    connection: row.oauth_connection_id
      ? { account: row.connection_account, scopes: row.connection_scopes ?? [], status: row.connection_status ?? 'connected', accessExpiresAt: row.connection_expires_at?.toISOString() ?? null }
      : null,
    inboundWebhookUrl:
      row.kind === 'twilio_sms' || row.kind === 'twilio_voice' ? new URL(twilioWebhookPath(row.id, row.kind === 'twilio_sms' ? 'sms' : 'voice'), deps.config.publicUrl).toString() : null,
    inboxIds: row.inbox_ids ?? [],
  };
}
export type ChannelView = ReturnType<typeof describeChannel>;

export async function listChannels(deps: ChannelDeps, place: ChannelPlace) {
  const rows = await channelQuery(deps.db).where('ch.organisation_id', '=', place.organisationId).where('ch.workspace_id', '=', place.workspaceId).orderBy('ch.created_at').execute();
  return {
    channels: rows.map((r) => describeChannel(deps, r)),
    oauthProviders: configuredProviders(deps.config).filter((p) => p.id === 'gmail' || p.id === 'outlook'),
  };
}

/** A channel of this workspace (NOT_FOUND otherwise), with its row for sending. */
export async function findChannel(db: Db | Transaction<Database>, place: ChannelPlace, channelId: string) {
  const row = await channelQuery(db).where('ch.id', '=', channelId).where('ch.organisation_id', '=', place.organisationId).where('ch.workspace_id', '=', place.workspaceId).executeTakeFirst();
  if (!row) throw notFound('Channel');
  return row;
}

export async function getChannel(deps: ChannelDeps, place: ChannelPlace, channelId: string) {
  return describeChannel(deps, await findChannel(deps.db, place, channelId));
}

async function withAddressConflicts<T>(address: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error, 'channels_workspace_kind_address_key')) throw new AppError('CONFLICT', `This workspace already has a channel of this kind for ${address}.`);
    throw error;
  }
}

async function insertChannel(
  deps: ChannelDeps,
  actor: Actor,
  place: ChannelPlace,
  input: { kind: ChannelKind; name: string; address: string; settings: Settings; secret: string },
  action: 'channels.createSmtp' | 'channels.createTwilio',
) {
  const id = randomUUID();
  const sealed = sealSecret(deps.keyring, input.secret, secretContext(place.organisationId, id));
  await withAddressConflicts(input.address, () =>
    deps.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('channels')
        .values({
          id,
          organisation_id: place.organisationId,
          workspace_id: place.workspaceId,
          kind: input.kind,
          name: input.name,
          address: input.address,
          settings: JSON.stringify(input.settings),
          secret_ciphertext: sealed.ciphertext,
          key_version: sealed.keyVersion,
          created_by: actor.userId,
        })
        .execute();
      await recordAudit(trx, actor, {
        ...place,
        action,
        targetType: 'channel',
        targetId: id,
        after: { kind: input.kind, name: input.name, address: input.address, settings: input.settings, secret: SECRET_MARKER },
      });
    }),
  );
  return getChannel(deps, place, id);
}

export function createSmtpChannel(
  deps: ChannelDeps,
  actor: Actor,
  place: ChannelPlace,
  input: { name: string; address: string; host: string; port: number; tlsMode: SmtpTlsMode; username: string; password: string },
) {
  const settings: Settings = { host: input.host, port: input.port, tlsMode: input.tlsMode, username: input.username };
  return insertChannel(deps, actor, place, { kind: 'smtp', name: input.name, address: input.address, settings, secret: input.password }, 'channels.createSmtp');
}

export function createTwilioChannel(
  deps: ChannelDeps,
  actor: Actor,
  place: ChannelPlace,
  input: { kind: 'twilio_sms' | 'twilio_voice'; name: string; accountSid: string; authToken: string; phoneNumber: string },
) {
  return insertChannel(deps, actor, place, { kind: input.kind, name: input.name, address: input.phoneNumber, settings: { accountSid: input.accountSid }, secret: input.authToken }, 'channels.createTwilio');
}

/** Gmail / Outlook: the console opens the returned URL; the channel appears when the provider sends the user back. */
export async function startChannelConnect(deps: ChannelDeps, actor: Actor, place: ChannelPlace, input: { kind: 'gmail' | 'outlook'; name: string; returnTo: string }) {
  const started = await startOAuthConnect(deps, actor, { ...place, provider: input.kind, purpose: { kind: 'channel', channelKind: input.kind, name: input.name }, returnTo: input.returnTo });
  await recordAudit(deps.db, actor, { ...place, action: 'channels.connectOAuth', targetType: 'channel', after: { kind: input.kind, name: input.name } });
  return started;
}

/**
 * A finished Gmail/Outlook connect makes the channel, "connected as" the account; connecting an
 * address that already has a channel reconnects it (the old connection is dropped, the failure cleared).
 */
registerOAuthPurpose('channel', async (trx, { connection, purpose, actor }) => {
  const kind = purpose.channelKind as 'gmail' | 'outlook';
  const address = connection.account ?? `${kind} account`;
  const existing = await trx
    .selectFrom('channels')
    .select(['id', 'oauth_connection_id'])
    .where('workspace_id', '=', connection.workspaceId)
    .where('kind', '=', kind)
    .where(sql<boolean>`lower(address) = lower(${address})`)
    .forUpdate()
    .executeTakeFirst();
  if (existing) {
    await trx
      .updateTable('channels')
      .set({ oauth_connection_id: connection.id, status: 'active', failure_reason: null, failing_since: null, last_checked_at: new Date(), updated_at: new Date() })
      .where('id', '=', existing.id)
      .execute();
    if (existing.oauth_connection_id) await trx.deleteFrom('oauth_connections').where('id', '=', existing.oauth_connection_id).execute();
    await recordAudit(trx, actor, { organisationId: connection.organisationId, workspaceId: connection.workspaceId, action: 'channels.reconnect', targetType: 'channel', targetId: existing.id, after: { kind, address } });
    return;
  }
  const created = await trx
    .insertInto('channels')
    .values({
      organisation_id: connection.organisationId,
      workspace_id: connection.workspaceId,
      kind,
      name: String(purpose.name ?? address).slice(0, 80),
      address,
      oauth_connection_id: connection.id,
      settings: '{}',
      created_by: actor.userId,
      last_checked_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(trx, actor, { organisationId: connection.organisationId, workspaceId: connection.workspaceId, action: 'channels.create', targetType: 'channel', targetId: created.id, after: { kind, address, scopes: connection.scopes } });
});

export async function updateChannel(
  deps: ChannelDeps,
  actor: Actor,
  place: ChannelPlace,
  channelId: string,
  changes: { name?: string; password?: string; authToken?: string; host?: string; port?: number; tlsMode?: SmtpTlsMode; username?: string },
) {
  await deps.db.transaction().execute(async (trx) => {
    const row = await findChannel(trx, place, channelId);
    const smtp = row.kind === 'smtp';
    const twilio = row.kind === 'twilio_sms' || row.kind === 'twilio_voice';
    if (!smtp && (changes.password !== undefined || changes.host !== undefined || changes.port !== undefined || changes.tlsMode !== undefined || changes.username !== undefined)) {
      throw new AppError('BAD_REQUEST', 'Only an SMTP channel has a host, port, TLS mode, user and password.');
    }
    if (!twilio && changes.authToken !== undefined) throw new AppError('BAD_REQUEST', 'Only a Twilio channel has an Auth Token.');
    const secret = changes.password ?? changes.authToken;
    const sealed = secret !== undefined ? sealSecret(deps.keyring, secret, secretContext(place.organisationId, channelId)) : null;
    const settings = { ...(row.settings as Settings), ...(changes.host !== undefined ? { host: changes.host } : {}), ...(changes.port !== undefined ? { port: changes.port } : {}), ...(changes.tlsMode !== undefined ? { tlsMode: changes.tlsMode } : {}), ...(changes.username !== undefined ? { username: changes.username } : {}) };
    await trx
      .updateTable('channels')
      .set({
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        settings: JSON.stringify(settings),
        ...(sealed ? { secret_ciphertext: sealed.ciphertext, key_version: sealed.keyVersion } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', channelId)
      .execute();
    await recordAudit(trx, actor, {
      ...place,
      action: 'channels.update',
      targetType: 'channel',
      targetId: channelId,
      before: { name: row.name, settings: row.settings },
      after: { name: changes.name ?? row.name, settings, ...(secret !== undefined ? { secret: SECRET_MARKER } : {}) },
    });
  });
  return getChannel(deps, place, channelId);
}

/** Writes the outcome of using a channel's credentials: a failure keeps its first "since". */
export async function recordChannelOutcome(db: Db | Transaction<Database>, channelId: string, failure: ChannelFailure | null, now = new Date()) {
  await db
    .updateTable('channels')
    .set(
      failure
        ? { status: 'failing', failure_reason: failure.message, failing_since: sql<Date>`coalesce(failing_since, ${now})`, last_checked_at: now }
        : { status: 'active', failure_reason: null, failing_since: null, last_checked_at: now },
    )
    .where('id', '=', channelId)
    .execute();
}

/** "Test": SMTP handshake and login; Twilio's account endpoint; Gmail/Outlook a usable (renewed if due) token. */
export async function testChannel(deps: ChannelDeps, actor: Actor, place: ChannelPlace, channelId: string) {
  const row = await findChannel(deps.db, place, channelId);
  const secret = openChannelSecret(deps.keyring, row);
  const settings = row.settings as Settings;
  let message: string;
  let failure: ChannelFailure | null = null;
  try {
    if (row.kind === 'smtp') {
      await verifySmtp(settings as SmtpSettings, secret ?? '');
      message = `${settings.host}:${settings.port} accepted the login for ${settings.username}.`;
    } else if (row.kind === 'twilio_sms' || row.kind === 'twilio_voice') {
      const account = await checkTwilioAccount(deps.config, settings.accountSid!, secret ?? '');
      message = `Twilio accepted the credentials of ${account.friendlyName}.`;
    } else {
      if (!row.oauth_connection_id) throw new ChannelFailure('This channel has no connection: connect it again.', true);
      await getAccessToken(deps, row.oauth_connection_id);
      message = `Connected as ${row.connection_account ?? row.address}.`;
    }
  } catch (error) {
    if (error instanceof ChannelFailure) failure = error;
    else if (error instanceof AppError && error.code === 'PRECONDITION_FAILED') failure = new ChannelFailure(error.message, true);
    else throw error;
    message = failure.message;
  }
  // An OAuth channel's failure lives on its connection (needs reconnection); the others on the channel.
  if (row.kind === 'smtp' || row.kind === 'twilio_sms' || row.kind === 'twilio_voice' || !failure) await recordChannelOutcome(deps.db, channelId, failure);
  await recordAudit(deps.db, actor, { ...place, action: 'channels.test', targetType: 'channel', targetId: channelId, after: { ok: failure === null, message } });
  return { ok: failure === null, message, channel: await getChannel(deps, place, channelId) };
}

/** Removes a channel; a Gmail/Outlook channel's access is revoked at the provider. */
export async function removeChannel(deps: ChannelDeps, actor: Actor, place: ChannelPlace, channelId: string) {
  const row = await findChannel(deps.db, place, channelId);
  const remove = async (trx: Transaction<Database>) => {
    await trx.deleteFrom('channels').where('id', '=', channelId).where('workspace_id', '=', place.workspaceId).execute();
    await recordAudit(trx, actor, { ...place, action: 'channels.remove', targetType: 'channel', targetId: channelId, before: { kind: row.kind, name: row.name, address: row.address } });
  };
  if (row.oauth_connection_id) {
    const outcome = await disconnectOAuthConnection(deps, place, row.oauth_connection_id, remove);
    return { channelId, ...outcome };
  }
  await deps.db.transaction().execute(remove);
  return { channelId, revoked: false, message: 'The channel was removed and its credentials deleted.' };
}

/** Re-seals every channel's stored credentials under the current key (`rotate-secret-key`). Returns how many changed. */
export async function resealChannelSecrets(db: Db, keyring: Keyring): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('channels')
      .select(['id', 'organisation_id', 'secret_ciphertext', 'key_version'])
      .where('secret_ciphertext', 'is not', null)
      .where('key_version', '!=', keyring.current.version)
      .forUpdate()
      .execute();
    for (const row of rows) {
      const context = secretContext(row.organisation_id, row.id);
      const sealed = sealSecret(keyring, openSecret(keyring, { ciphertext: row.secret_ciphertext!, keyVersion: row.key_version! }, context), context);
      await trx.updateTable('channels').set({ secret_ciphertext: sealed.ciphertext, key_version: sealed.keyVersion }).where('id', '=', row.id).execute();
    }
    return rows.length;
  });
}
