import { createHash, randomBytes } from 'node:crypto';
import { type ApiKeyScope, type Db, type OrgRole, preparedQuery, sql, type WorkspaceRole } from '@steward/db';
import { effectiveWorkspaceRole, type WorkspaceAccess } from '../access/roles.js';
import type { Access } from '../access/matrix.js';
import type { SessionUser } from './sessions.js';

export const API_KEY_PREFIX = 'pai_';
/** Joins nothing: a uuid no workspace has, for calls not about one workspace. */
const NO_WORKSPACE = '00000000-0000-0000-0000-000000000000';

/**
 * SHA-256, not a slow password hash: keys carry 256 random bits, so a fast hash is safe and keeps
 * authentication to one indexed lookup.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, API_KEY_PREFIX.length + 6), hash: hashApiKey(key) };
}

export function readBearerKey(authorization: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match ? match[1]! : null;
}

export interface ApiKeyCaller {
  id: string;
  organisationId: string;
  scope: ApiKeyScope;
  /** The owner's organisation role, read with the key: organisation procedures need no second query. */
  ownerOrgRole: OrgRole;
  /** The one workspace the key is restricted to, if any: it then reaches nothing else. */
  workspaceId: string | null;
}

/** Key, owner, membership and standing in a workspace: built, compiled and planned once (see preparedQuery). */
const keyQuery = preparedQuery(['hash', 'workspaceId'], (db, p) =>
  db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .innerJoin('memberships as m', (j) => j.onRef('m.organisation_id', '=', 'k.organisation_id').onRef('m.user_id', '=', 'k.user_id'))
    .innerJoin('organisations as o', 'o.id', 'k.organisation_id')
    .leftJoin('workspaces as w', (j) => j.on('w.id', '=', p.workspaceId).onRef('w.organisation_id', '=', 'k.organisation_id'))
    .select((eb) => [
      'k.id',
      'k.organisation_id',
      'k.scope',
      'k.last_used_at',
      'k.workspace_id as bound_workspace_id',
      'u.id as user_id',
      'u.email',
      'u.name',
      'u.avatar_url',
      'm.org_role',
      'o.field_definitions_version',
      'w.id as workspace_id',
      'w.kind as workspace_kind',
      eb.selectFrom('workspace_memberships as wm').select('wm.role').whereRef('wm.workspace_id', '=', 'w.id').whereRef('wm.user_id', '=', 'k.user_id').as('workspace_role'),
      eb
        .selectFrom('workspace_memberships as gm')
        .innerJoin('workspaces as g', 'g.id', 'gm.workspace_id')
        .select('gm.role')
        .whereRef('g.organisation_id', '=', 'w.organisation_id')
        .where('g.kind', '=', 'global')
        .whereRef('gm.user_id', '=', 'k.user_id')
        .as('global_role'),
    ])
    .where('k.key_hash', '=', p.hash)
    .where('k.revoked_at', 'is', null)
    .where('o.deletion_requested_at', 'is', null)
    .where((eb) => eb.or([eb('k.expires_at', 'is', null), eb('k.expires_at', '>', sql<Date>`now()`)]))
);

/**
 * Whether a key may act in this workspace at all: only in its own organisation, and only in its
 * one workspace when it is restricted to one. (No key: the caller's roles alone decide.)
 */
export function keyReaches(apiKey: ApiKeyCaller | null, place: { organisationId: string; workspaceId: string }): boolean {
  if (!apiKey) return true;
  return apiKey.organisationId === place.organisationId && (apiKey.workspaceId === null || apiKey.workspaceId === place.workspaceId);
}

/** A workspace the key's call is about, resolved with the key: null access when it is not the key's organisation's. */
export interface KeyWorkspace {
  workspaceId: string;
  access: WorkspaceAccess | null;
}

export interface KeyAuthentication {
  user: SessionUser;
  apiKey: ApiKeyCaller;
  workspace: KeyWorkspace | null;
}

/**
 * The owner and key behind a bearer key, in one query: the key must be unrevoked, unexpired, and
 * its owner still a member of the key's organisation. Given the workspace the call is about, the
 * owner's standing there comes back in the same query (what `resolveWorkspaceAccess` reads).
 */
export async function authenticateApiKey(db: Db, key: string, workspaceId: string | null = null): Promise<KeyAuthentication | null> {
  if (!key.startsWith(API_KEY_PREFIX) || key.length > 200) return null;
  const row = (await keyQuery(db, { hash: hashApiKey(key), workspaceId: workspaceId ?? NO_WORKSPACE })).rows[0];
  if (!row) return null;
  // Last use is kept to the minute: one write a minute per key, not one per request.
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await db.updateTable('api_keys').set({ last_used_at: sql`now()` }).where('id', '=', row.id).execute();
  }
  return {
    user: { id: row.user_id, email: row.email, name: row.name, avatarUrl: row.avatar_url },
    apiKey: { id: row.id, organisationId: row.organisation_id, scope: row.scope, ownerOrgRole: row.org_role, workspaceId: row.bound_workspace_id },
    workspace:
      workspaceId === null
        ? null
        : {
            workspaceId,
            // A key bound to one workspace has no standing anywhere else, whatever its owner holds.
            access:
              row.workspace_id && row.workspace_kind && (row.bound_workspace_id === null || row.bound_workspace_id === row.workspace_id)
                ? {
                    workspaceId: row.workspace_id,
                    organisationId: row.organisation_id,
                    kind: row.workspace_kind,
                    orgRole: row.org_role,
                    fieldsVersion: row.field_definitions_version,
                    role: effectiveWorkspaceRole({
                      orgRole: row.org_role,
                      globalRole: (row.global_role as WorkspaceRole | null) ?? null,
                      workspaceRole: (row.workspace_role as WorkspaceRole | null) ?? null,
                    }),
                  }
                : null,
          },
  };
}

/**
 * What a key's scope leaves of its owner's rights: `read` only reads; `read_write` also changes
 * records, never settings; `admin` everything the owner holds.
 */
export function scopeAllows(scope: ApiKeyScope, type: 'query' | 'mutation' | 'subscription', access: Access | undefined): boolean {
  if (type === 'query') return true;
  if (scope === 'admin') return access !== undefined;
  if (scope === 'read_write') return access?.scope === 'workspace' && access.permission !== undefined && access.permission.startsWith('records.');
  return false;
}
