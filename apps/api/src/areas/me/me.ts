import type { Db } from '@steward/db';
import { ORG_PERMISSIONS, type OrgPermission, orgRoleCan } from '../../access/matrix.js';

const ALL_ORG_PERMISSIONS = Object.keys(ORG_PERMISSIONS) as OrgPermission[];

/** The organisations of a user, each with the permissions their role holds there (the console shows what they can use). */
export async function listMyOrganisations(db: Db, userId: string) {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('organisations', 'organisations.id', 'memberships.organisation_id')
    .select(['organisations.id', 'organisations.name', 'memberships.org_role as orgRole'])
    .where('memberships.user_id', '=', userId)
    .orderBy('organisations.name')
    .execute();
  return rows.map((row) => ({ ...row, permissions: ALL_ORG_PERMISSIONS.filter((p) => orgRoleCan(row.orgRole, p)) }));
}
