import type { Db, WorkspaceRole } from '@steward/db';
import { ORG_PERMISSIONS, type OrgPermission, orgRoleCan } from '../../access/matrix.js';
import { effectiveWorkspaceRole, globalRoleOf } from '../../access/roles.js';
import { MAX_WORKSPACES_PER_INVITATION } from '../users/schemas.js';
import { MAX_LOGO_BYTES } from '../workspaces/schemas.js';
import { IMPORT_LIMITS } from '../records/import/schemas.js';

const ALL_ORG_PERMISSIONS = Object.keys(ORG_PERMISSIONS) as OrgPermission[];

/** Limits the server enforces, for the console to show before a request is refused. */
export const LIMITS = { maxWorkspacesPerInvitation: MAX_WORKSPACES_PER_INVITATION, maxLogoBytes: MAX_LOGO_BYTES, maxImportBytes: IMPORT_LIMITS.maxBytes };

/**
 * The organisations of a user, each with the permissions their role holds there and the
 * workspaces they can open with their effective role in each (two queries for everything).
 */
export async function listMyOrganisations(db: Db, userId: string) {
  const [organisations, workspaces] = await Promise.all([
    db
      .selectFrom('memberships')
      .innerJoin('organisations', 'organisations.id', 'memberships.organisation_id')
      .select((eb) => [
        'organisations.id',
        'organisations.name',
        'memberships.org_role as orgRole',
        'organisations.purge_after as purgeAfter',
        // Growth is paused while the subscription's payment is past due: every page says so.
        eb
          .exists(eb.selectFrom('billing_subscriptions as s').select('s.organisation_id').whereRef('s.organisation_id', '=', 'organisations.id').where('s.status', 'in', ['past_due', 'unpaid']))
          .$castTo<boolean>()
          .as('paymentPastDue'),
      ])
      .where('memberships.user_id', '=', userId)
      // Scheduled for deletion: gone for its members at once; its admins still see it, to restore it.
      .where((eb) => eb.or([eb('organisations.deletion_requested_at', 'is', null), eb('memberships.org_role', '=', 'admin')]))
      .orderBy('organisations.name')
      .execute(),
    db
      .selectFrom('workspaces as w')
      .innerJoin('memberships as m', (j) => j.onRef('m.organisation_id', '=', 'w.organisation_id').on('m.user_id', '=', userId))
      .innerJoin('organisations as o', (j) => j.onRef('o.id', '=', 'w.organisation_id').on('o.deletion_requested_at', 'is', null))
      .leftJoin('workspace_memberships as wm', (j) => j.onRef('wm.workspace_id', '=', 'w.id').on('wm.user_id', '=', userId))
      .select([
        'w.id',
        'w.organisation_id as organisationId',
        'w.name',
        'w.slug',
        'w.kind',
        'm.org_role as orgRole',
        'wm.role as workspaceRole',
        (eb) => globalRoleOf(eb, userId).as('globalRole'),
      ])
      .orderBy('w.kind', 'desc')
      .orderBy('w.name')
      .execute(),
  ]);
  return organisations.map(({ purgeAfter, ...org }) => ({
    ...org,
    /** When the organisation will be purged, if its deletion is scheduled (only its admins see it then). */
    deletionScheduledUntil: purgeAfter ? purgeAfter.toISOString() : null,
    permissions: ALL_ORG_PERMISSIONS.filter((p) => orgRoleCan(org.orgRole, p)),
    workspaces: workspaces
      .filter((w) => w.organisationId === org.id)
      .map((w) => ({
        id: w.id,
        name: w.name,
        slug: w.slug,
        kind: w.kind,
        role: effectiveWorkspaceRole({ orgRole: w.orgRole, globalRole: (w.globalRole as WorkspaceRole | null) ?? null, workspaceRole: w.workspaceRole ?? null }),
      }))
      .filter((w): w is typeof w & { role: WorkspaceRole } => w.role !== null),
  }));
}
