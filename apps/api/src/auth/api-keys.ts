import { createHash, randomBytes } from 'node:crypto';
import { type ApiKeyScope, type Db, type OrgRole, sql } from '@steward/db';
import type { Access } from '../access/matrix.js';
import type { SessionUser } from './sessions.js';

export const API_KEY_PREFIX = 'pai_';

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
}

/**
 * The owner and key behind a bearer key, in one query: the key must be unrevoked, unexpired, and
 * its owner still a member of the key's organisation.
 */
export async function authenticateApiKey(db: Db, key: string): Promise<{ user: SessionUser; apiKey: ApiKeyCaller } | null> {
  if (!key.startsWith(API_KEY_PREFIX) || key.length > 200) return null;
  const row = await db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .innerJoin('memberships as m', (j) => j.onRef('m.organisation_id', '=', 'k.organisation_id').onRef('m.user_id', '=', 'k.user_id'))
    .select(['k.id', 'k.organisation_id', 'k.scope', 'k.last_used_at', 'u.id as user_id', 'u.email', 'u.name', 'u.avatar_url', 'm.org_role'])
    .where('k.key_hash', '=', hashApiKey(key))
    .where('k.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('k.expires_at', 'is', null), eb('k.expires_at', '>', sql<Date>`now()`)]))
    .executeTakeFirst();
  if (!row) return null;
  // Last use is kept to the minute: one write a minute per key, not one per request.
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await db.updateTable('api_keys').set({ last_used_at: sql`now()` }).where('id', '=', row.id).execute();
  }
  return {
    user: { id: row.user_id, email: row.email, name: row.name, avatarUrl: row.avatar_url },
    apiKey: { id: row.id, organisationId: row.organisation_id, scope: row.scope, ownerOrgRole: row.org_role },
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
