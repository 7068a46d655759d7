import { type ApiKeyScope, type Db, type OrgRole, sql } from '@steward/db';
import { orgRoleCan } from '../../access/matrix.js';
import { resolveWorkspaceAccess } from '../../access/roles.js';
import { generateApiKey } from '../../auth/api-keys.js';
import { AppError, notFound } from '../../errors.js';
import { type Actor, recordAudit } from '../audit/record.js';

const keyColumns = [
  'k.id',
  'k.name',
  'k.prefix',
  'k.scope',
  'k.expires_at as expiresAt',
  'k.last_used_at as lastUsedAt',
  'k.revoked_at as revokedAt',
  'k.created_at as createdAt',
  'u.email as ownerEmail',
  'k.user_id as ownerId',
  'k.workspace_id as workspaceId',
  'w.name as workspaceName',
] as const;

/** A page of an organisation's keys, newest first with the revoked last: never the key or its hash. */
async function pageOfKeys(db: Db, which: { organisationId: string; ownerId?: string; workspaceId?: string }, paging: { page: number; pageSize: number }) {
  let query = db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .leftJoin('workspaces as w', 'w.id', 'k.workspace_id')
    .where('k.organisation_id', '=', which.organisationId);
  if (which.ownerId) query = query.where('k.user_id', '=', which.ownerId);
  if (which.workspaceId) query = query.where('k.workspace_id', '=', which.workspaceId);
  const [keys, total] = await Promise.all([
    query
      .select(keyColumns)
      .orderBy('k.revoked_at', (ob) => ob.desc().nullsFirst())
      .orderBy('k.created_at', 'desc')
      .limit(paging.pageSize)
      .offset((paging.page - 1) * paging.pageSize)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
  ]);
  return { keys, total: total.count, ...paging };
}

/** One's own keys; everyone's for those who may manage all keys. Paged. */
export async function listApiKeys(db: Db, organisationId: string, viewer: { userId: string; orgRole: OrgRole }, paging: { page: number; pageSize: number }) {
  return pageOfKeys(db, { organisationId, ownerId: orgRoleCan(viewer.orgRole, 'apiKeys.manageAll') ? undefined : viewer.userId }, paging);
}

/**
 * Creates a key for the caller. The full key is returned this once and never again. A key may be
 * restricted to one workspace of the organisation in which its owner has a role.
 */
export async function createApiKey(db: Db, actor: Actor, organisationId: string, input: { name: string; scope: ApiKeyScope; expiresAt?: Date; workspaceId?: string }) {
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw new AppError('BAD_REQUEST', 'The expiry date must be in the future.');
  if (input.workspaceId) {
    const access = await resolveWorkspaceAccess(db, actor.userId, input.workspaceId);
    if (!access || access.organisationId !== organisationId) throw notFound('Workspace');
    if (!access.role) throw new AppError('FORBIDDEN', 'You have no role in that workspace, so a key restricted to it could do nothing.');
  }
  const { key, prefix, hash } = generateApiKey();
  return db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto('api_keys')
      .values({
        organisation_id: organisationId,
        user_id: actor.userId,
        name: input.name,
        prefix,
        key_hash: hash,
        scope: input.scope,
        expires_at: input.expiresAt ?? null,
        workspace_id: input.workspaceId ?? null,
      })
      .returning(['id', 'name', 'prefix', 'scope', 'expires_at as expiresAt', 'created_at as createdAt', 'workspace_id as workspaceId'])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, actor, { organisationId, workspaceId: created.workspaceId, action: 'apiKeys.create', targetType: 'api_key', targetId: created.id, after: created });
    return { ...created, key };
  });
}

/** Revokes a key at once: the next request with it is refused. */
export async function revokeApiKey(db: Db, actor: Actor & { orgRole: OrgRole }, organisationId: string, apiKeyId: string) {
  return db.transaction().execute(async (trx) => {
    const key = await trx
      .selectFrom('api_keys')
      .select(['id', 'user_id', 'name', 'prefix', 'revoked_at'])
      .where('id', '=', apiKeyId)
      .where('organisation_id', '=', organisationId)
      .forUpdate()
      .executeTakeFirst();
    if (!key || (key.user_id !== actor.userId && !orgRoleCan(actor.orgRole, 'apiKeys.manageAll'))) throw notFound('API key');
    if (!key.revoked_at) {
      await trx.updateTable('api_keys').set({ revoked_at: sql`now()` }).where('id', '=', apiKeyId).execute();
    }
    await recordAudit(trx, actor, { organisationId, action: 'apiKeys.revoke', targetType: 'api_key', targetId: apiKeyId, before: { name: key.name, prefix: key.prefix } });
    return { id: apiKeyId, revoked: true };
  });
}

type WorkspacePlace = { organisationId: string; workspaceId: string };

/** The keys restricted to one workspace, whoever owns them (for its admins). Paged. */
export async function listWorkspaceApiKeys(db: Db, place: WorkspacePlace, paging: { page: number; pageSize: number }) {
  return pageOfKeys(db, place, paging);
}

/** A workspace admin revokes a key restricted to their workspace, whoever owns it; keys not bound there are NOT_FOUND. */
export async function revokeWorkspaceApiKey(db: Db, actor: Actor, place: WorkspacePlace, apiKeyId: string) {
  return db.transaction().execute(async (trx) => {
    const key = await trx
      .selectFrom('api_keys')
      .select(['id', 'name', 'prefix', 'revoked_at'])
      .where('id', '=', apiKeyId)
      .where('organisation_id', '=', place.organisationId)
      .where('workspace_id', '=', place.workspaceId)
      .forUpdate()
      .executeTakeFirst();
    if (!key) throw notFound('API key');
    if (!key.revoked_at) await trx.updateTable('api_keys').set({ revoked_at: sql`now()` }).where('id', '=', apiKeyId).execute();
    await recordAudit(trx, actor, { ...place, action: 'workspaceApiKeys.revoke', targetType: 'api_key', targetId: apiKeyId, before: { name: key.name, prefix: key.prefix } });
    return { id: apiKeyId, revoked: true };
  });
}
