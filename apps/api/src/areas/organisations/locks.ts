import { type Database, sql, type Transaction } from '@steward/db';
import type { OrgRole } from '@steward/db';
import { AppError } from '../../errors.js';

/**
 * Serialises membership changes of one organisation, and re-reads the actor's role under the
 * lock: two admins demoting each other queue here, and the second sees the first's change.
 */
export async function lockOrganisationFor(trx: Transaction<Database>, organisationId: string, actorId: string): Promise<OrgRole> {
  await sql`select 1 from organisations where id = ${organisationId} for update`.execute(trx);
  const actor = await trx
    .selectFrom('memberships')
    .select('org_role')
    .where('organisation_id', '=', organisationId)
    .where('user_id', '=', actorId)
    .executeTakeFirst();
  if (!actor) throw new AppError('NOT_FOUND', 'Organisation not found.');
  return actor.org_role;
}
