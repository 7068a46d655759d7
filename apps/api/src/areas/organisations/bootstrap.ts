import { type Db, type OrgRole, sql, type Transaction, type Database } from '@steward/db';

type DbOrTrx = Db | Transaction<Database>;

/** Grants made by the command line, not by a link: honoured at the person's first sign-in. */
const SIGN_IN_GRANT_LIFETIME_MS = 365 * 24 * 3600 * 1000;

export interface CreatedOrganisation {
  organisationId: string;
  globalWorkspaceId: string;
  /** True when the admin already had an account and became a member at once. */
  adminIsMember: boolean;
}

/** An organisation with its global workspace, and its first admin (now, or at first sign-in). */
export async function createOrganisation(db: Db, input: { name: string; adminEmail: string }): Promise<CreatedOrganisation> {
  const adminEmail = input.adminEmail.trim().toLowerCase();
  return db.transaction().execute(async (trx) => {
    const organisation = await trx.insertInto('organisations').values({ name: input.name.trim() }).returning('id').executeTakeFirstOrThrow();
    const workspace = await trx
      .insertInto('workspaces')
      .values({ organisation_id: organisation.id, kind: 'global', name: 'Global', slug: 'global' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const existing = await trx.selectFrom('users').select('id').where('email', '=', adminEmail).executeTakeFirst();
    if (existing) {
      await addMember(trx, organisation.id, existing.id, 'admin');
    } else {
      await trx
        .insertInto('invitations')
        .values({
          organisation_id: organisation.id,
          email: adminEmail,
          org_role: 'admin',
          token_hash: null,
          kind: 'sign_in_grant',
          email_status: 'none',
          workspace_roles: JSON.stringify([]),
          expires_at: new Date(Date.now() + SIGN_IN_GRANT_LIFETIME_MS),
        })
        .execute();
    }
    return { organisationId: organisation.id, globalWorkspaceId: workspace.id, adminIsMember: Boolean(existing) };
  });
}

export async function addMember(db: DbOrTrx, organisationId: string, userId: string, orgRole: OrgRole): Promise<void> {
  await db
    .insertInto('memberships')
    .values({ organisation_id: organisationId, user_id: userId, org_role: orgRole })
    .onConflict((oc) => oc.columns(['organisation_id', 'user_id']).doNothing())
    .execute();
}

/** Turns the sign-in grants waiting for this address into memberships. */
export async function acceptSignInGrants(trx: Transaction<Database>, userId: string, email: string): Promise<void> {
  const grants = await trx
    .updateTable('invitations')
    .set({ accepted_at: sql`now()` })
    .where('email', '=', email)
    .where('kind', '=', 'sign_in_grant')
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning(['organisation_id', 'org_role'])
    .execute();
  if (grants.length === 0) return;
  await trx
    .insertInto('memberships')
    .values(grants.map((g) => ({ organisation_id: g.organisation_id, user_id: userId, org_role: g.org_role })))
    .onConflict((oc) => oc.columns(['organisation_id', 'user_id']).doNothing())
    .execute();
}

export async function countOrganisations(db: Db): Promise<number> {
  const row = await db.selectFrom('organisations').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  return row.count;
}
