import type { Database, Db, Transaction } from '@steward/db';

/** Who did something, and through what: a session, or an API key of theirs. */
export interface Actor {
  userId: string;
  email: string;
  apiKeyId: string | null;
  requestId: string | null;
  ip: string | null;
}

/**
 * A change made by no user of Steward: the person themself through a signed link in an email, or
 * a provider's webhook. Named by `via`, kept in the entry's actor email column ("by whom").
 */
export interface OutsideActor {
  userId: null;
  via: 'unsubscribe link' | 'provider webhook';
  requestId: string | null;
  ip: string | null;
}

export interface AuditEntry {
  organisationId: string;
  workspaceId?: string | null;
  /** The procedure's name, e.g. `users.changeOrgRole`. */
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
}

export const SECRET_MARKER = '[secret]';
/** Field names that hold a secret: `apiKey`, `client_secret`, `password`… (not `revokedApiKeys`, a count). */
const SECRET_KEY_NAME = /(secret|password|token|api_?key|ciphertext|authorization)$/i;

/** Replaces every value under a secret-sounding key with a marker, at any depth. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEY_NAME.test(k) && v !== null && v !== undefined ? SECRET_MARKER : redactSecrets(v)]),
    );
  }
  return value;
}

/** Writes an audit entry with the caller's database handle, so it commits or rolls back with the change. */
export async function recordAudit(db: Db | Transaction<Database>, actor: Actor | OutsideActor, entry: AuditEntry): Promise<void> {
  const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(redactSecrets(v)));
  await db
    .insertInto('audit_log')
    .values({
      organisation_id: entry.organisationId,
      workspace_id: entry.workspaceId ?? null,
      actor_user_id: actor.userId,
      actor_email: 'via' in actor ? `(${actor.via})` : actor.email,
      actor_api_key_id: 'via' in actor ? null : actor.apiKeyId,
      action: entry.action,
      target_type: entry.targetType,
      target_id: entry.targetId ?? null,
      before: json(entry.before),
      after: json(entry.after),
      request_id: actor.requestId,
      ip: actor.ip,
    })
    .execute();
}
