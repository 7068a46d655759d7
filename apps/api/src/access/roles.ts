import { type Database, type Db, type OrgRole, preparedQuery, type WorkspaceRole } from '@steward/db';
import type { ExpressionBuilder } from 'kysely';

const RANK: Record<WorkspaceRole, number> = { viewer: 1, member: 2, admin: 3 };

export function higherWorkspaceRole(a: WorkspaceRole | null, b: WorkspaceRole | null): WorkspaceRole | null {
  if (!a) return b;
  if (!b) return a;
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * Effective role in a workspace: the higher of the global role (the role in the global workspace)
 * and the role in this workspace. Organisation admins are admins everywhere.
 */
export function effectiveWorkspaceRole(input: {
  orgRole: OrgRole;
  globalRole: WorkspaceRole | null;
  workspaceRole: WorkspaceRole | null;
}): WorkspaceRole | null {
  if (input.orgRole === 'admin') return 'admin';
  return higherWorkspaceRole(input.globalRole, input.workspaceRole);
}

/** The user's role in the global workspace of the organisation of workspace `w` (a subquery). */
export function globalRoleOf(eb: ExpressionBuilder<Database & { w: Database['workspaces'] }, 'w'>, userId: string) {
  return eb
    .selectFrom('workspace_memberships as gm')
    .innerJoin('workspaces as g', 'g.id', 'gm.workspace_id')
    .select('gm.role')
    .whereRef('g.organisation_id', '=', 'w.organisation_id')
    .where('g.kind', '=', 'global')
    .where('gm.user_id', '=', userId);
}

/**
 * A user's standing in a workspace, in one query: the organisation role, the role in this
 * workspace and the global role. Null when the user is not in the workspace's organisation.
 */
/** A user's standing in a workspace: built, compiled and planned once (see preparedQuery). */
const standingQuery = preparedQuery(['userId', 'workspaceId'], (db, p) =>
  db
    .selectFrom('workspaces as w')
    .innerJoin('memberships as m', (j) => j.onRef('m.organisation_id', '=', 'w.organisation_id').on('m.user_id', '=', p.userId))
    .innerJoin('organisations as o', 'o.id', 'w.organisation_id')
    .select([
      'o.field_definitions_version',
      'w.id',
      'w.organisation_id',
      'w.kind',
      'm.org_role',
      (eb) => eb.selectFrom('workspace_memberships').select('role').whereRef('workspace_id', '=', 'w.id').where('user_id', '=', p.userId).as('workspace_role'),
      (eb) => globalRoleOf(eb, p.userId).as('global_role'),
    ])
    .where('w.id', '=', p.workspaceId)
    // An organisation scheduled for deletion is closed to everyone at once (its admins restore it elsewhere).
    .where('o.deletion_requested_at', 'is', null)
);

export interface WorkspaceAccess {
  workspaceId: string;
  organisationId: string;
  kind: 'global' | 'chapter';
  orgRole: OrgRole;
  role: WorkspaceRole | null;
  /** The organisation's field definitions version (see records/definitions-cache.ts). */
  fieldsVersion: number;
}

export async function resolveWorkspaceAccess(db: Db, userId: string, workspaceId: string): Promise<WorkspaceAccess | null> {
  const row = (await standingQuery(db, { userId, workspaceId })).rows[0];
  if (!row) return null;
  return {
    workspaceId: row.id,
    organisationId: row.organisation_id,
    kind: row.kind,
    orgRole: row.org_role,
    fieldsVersion: row.field_definitions_version,
    role: effectiveWorkspaceRole({
      orgRole: row.org_role,
      globalRole: (row.global_role as WorkspaceRole | null) ?? null,
      workspaceRole: (row.workspace_role as WorkspaceRole | null) ?? null,
    }),
  };
}
