import type { Db } from '@steward/db';

export async function listMyOrganisations(db: Db, userId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('organisations', 'organisations.id', 'memberships.organisation_id')
    .select(['organisations.id', 'organisations.name', 'memberships.org_role as orgRole'])
    .where('memberships.user_id', '=', userId)
    .orderBy('organisations.name')
    .execute();
}
