import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '@steward/db';
import { type Adapter, type DatabaseSession, type DatabaseUser, Lucia, TimeSpan } from 'lucia';
import type { Config } from '../config.js';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  avatarUrl: string | null;
}

declare module 'lucia' {
  interface Register {
    Lucia: StewardLucia;
    DatabaseUserAttributes: { email: string; name: string; avatar_url: string | null };
  }
}

/** Lucia's storage through Kysely. `getSessionAndUser` is the one query an authenticated request costs. */
export function kyselySessionAdapter(db: Db): Adapter {
  const toSession = (row: { id: string; user_id: string; expires_at: Date }): DatabaseSession => ({
    id: row.id,
    userId: row.user_id,
    expiresAt: row.expires_at,
    attributes: {},
  });
  return {
    async getSessionAndUser(sessionId) {
      const row = await db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select(['sessions.id', 'sessions.user_id', 'sessions.expires_at', 'users.email', 'users.name', 'users.avatar_url'])
        .where('sessions.id', '=', sessionId)
        .executeTakeFirst();
      if (!row) return [null, null];
      const user: DatabaseUser = {
        id: row.user_id,
        attributes: { email: row.email, name: row.name, avatar_url: row.avatar_url },
      };
      return [toSession(row), user];
    },
    async getUserSessions(userId) {
      const rows = await db.selectFrom('sessions').select(['id', 'user_id', 'expires_at']).where('user_id', '=', userId).execute();
      return rows.map(toSession);
    },
    async setSession(session) {
      await db.insertInto('sessions').values({ id: session.id, user_id: session.userId, expires_at: session.expiresAt }).execute();
    },
    async updateSessionExpiration(sessionId, expiresAt) {
      await db.updateTable('sessions').set({ expires_at: expiresAt }).where('id', '=', sessionId).execute();
    },
    async deleteSession(sessionId) {
      await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
    },
    async deleteUserSessions(userId) {
      await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
    },
    async deleteExpiredSessions() {
      await db.deleteFrom('sessions').where('expires_at', '<=', new Date()).execute();
    },
  };
}

export const SESSION_LIFETIME = new TimeSpan(30, 'd');

export function createLucia(db: Db, config: Pick<Config, 'secureCookies'>) {
  return new Lucia(kyselySessionAdapter(db), {
    // Lucia extends a session by the full lifetime once it is past half of it: a sliding expiry.
    sessionExpiresIn: SESSION_LIFETIME,
    sessionCookie: {
      // __Host- binds the cookie to this exact origin over https (no Domain, Path=/, Secure).
      name: config.secureCookies ? '__Host-steward_session' : 'steward_session',
      attributes: { secure: config.secureCookies, sameSite: 'lax', path: '/' },
    },
    getUserAttributes: (attributes) => ({ email: attributes.email, name: attributes.name, avatarUrl: attributes.avatar_url }),
  });
}
export type StewardLucia = ReturnType<typeof createLucia>;

/**
 * The cookie carries a random token; the database keeps only its SHA-256 as the session id,
 * so a copy of the sessions table signs no one in.
 */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function startSession(lucia: StewardLucia, userId: string): Promise<{ token: string; cookie: string }> {
  const token = randomBytes(32).toString('base64url');
  await lucia.createSession(userId, {}, { sessionId: hashSessionToken(token) });
  return { token, cookie: lucia.createSessionCookie(token).serialize() };
}

export interface SessionState {
  user: SessionUser | null;
  sessionId: string | null;
  /** A Set-Cookie value to send back: a refreshed expiry, or a blank cookie for a dead session. */
  setCookie: string | null;
}

export async function readSession(lucia: StewardLucia, cookieHeader: string | undefined): Promise<SessionState> {
  const token = cookieHeader ? lucia.readSessionCookie(cookieHeader) : null;
  if (!token) return { user: null, sessionId: null, setCookie: null };
  const { session, user } = await lucia.validateSession(hashSessionToken(token));
  if (!session) return { user: null, sessionId: null, setCookie: lucia.createBlankSessionCookie().serialize() };
  return {
    user: { id: user.id, email: user.email, name: user.name, avatarUrl: user.avatarUrl },
    sessionId: session.id,
    setCookie: session.fresh ? lucia.createSessionCookie(token).serialize() : null,
  };
}
