import { createHmac } from 'node:crypto';
import type { Database, Db, Transaction } from '@steward/db';
import { DEVELOPMENT_SUPPRESSION_KEY } from '../../config.js';
import { AppError } from '../../errors.js';

/**
 * The suppression list: the addresses of people erased on request (GDPR Art. 17), kept only as
 * HMAC-SHA256(server key, "organisation id:lower-case address"), so that the organisation can
 * refuse to create, import or mail that address again without keeping it. The key is
 * configuration (STEWARD_SUPPRESSION_KEY), never in the database: a copy of the table alone cannot
 * be checked against a list of addresses.
 *
 * The key is process-wide, set once at start by createApp and startWorkers from the configuration
 * (the functions that need it sit deep in write paths that have no configuration at hand: the
 * contacts upsert, the import job, the audience freeze). Until then it is the development key,
 * which configuration never accepts in production.
 */
let hmacKey: Buffer = DEVELOPMENT_SUPPRESSION_KEY;

export function useSuppressionKey(key: Buffer) {
  hmacKey = key;
}

const normalised = (email: string) => email.trim().toLowerCase();

export function addressHash(organisationId: string, email: string): Buffer {
  return createHmac('sha256', hmacKey).update(`${organisationId}:${normalised(email)}`).digest();
}

/** The (normalised) addresses among `emails` that are suppressed in the organisation: one indexed query. */
export async function suppressedAmong(db: Db | Transaction<Database>, organisationId: string, emails: (string | null | undefined)[]): Promise<Set<string>> {
  const wanted = [...new Set(emails.filter((e): e is string => typeof e === 'string' && e.trim() !== '').map(normalised))];
  if (wanted.length === 0) return new Set();
  const byHash = new Map(wanted.map((email) => [addressHash(organisationId, email).toString('hex'), email]));
  const rows = await db
    .selectFrom('suppressed_addresses')
    .select('address_hash')
    .where('organisation_id', '=', organisationId)
    .where('address_hash', 'in', [...byHash.keys()].map((hex) => Buffer.from(hex, 'hex')))
    .execute();
  return new Set(rows.map((r) => byHash.get(r.address_hash.toString('hex'))!));
}

/** Without the address: the message may be stored (an import's rejected rows), and must not keep it. */
export const SUPPRESSED_MESSAGE = 'This address belongs to a person whose data was erased on request: it is suppressed, and cannot be added, imported or mailed again.';

/** Refuses (409) when any of these addresses is suppressed. */
export async function refuseSuppressed(db: Db | Transaction<Database>, organisationId: string, emails: (string | null | undefined)[]) {
  const suppressed = await suppressedAmong(db, organisationId, emails);
  if (suppressed.size > 0) throw new AppError('CONFLICT', SUPPRESSED_MESSAGE);
}
