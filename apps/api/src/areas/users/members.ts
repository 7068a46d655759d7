import { type Database, type Db, type OrgRole, sql, type Transaction, type WorkspaceRole } from '@steward/db';
import { orgRoleCan } from '../../access/matrix.js';
import { AppError, notFound } from '../../errors.js';
import { lockOrganisationFor } from '../organisations/locks.js';
import { type Actor, recordAudit } from '../audit/record.js';

export type { Actor };

export interface WorkspaceRoleView {
  workspaceId: string;
  workspaceName: string;
  workspaceKind: 'global' | 'chapter';
  role: WorkspaceRole;
}

/** A member's workspace roles as one JSON array, read with the member's row (no second round trip). */
const workspaceRolesOfMember = sql<WorkspaceRoleView[]>`(
  select coalesce(json_agg(json_build_object('workspaceId', w.id, 'workspaceName', w.name, 'workspaceKind', w.kind, 'role', wm.role) order by w.kind = 'global' desc, w.name), '[]')
    from workspace_memberships wm join workspaces w on w.id = wm.workspace_id
   where wm.organisation_id = m.organisation_id and wm.user_id = m.user_id)`;

function searchPattern(search: string | undefined) {
  return search ? `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
}

/** The users page: members (paged, searchable by name or email) and pending invitations. */
export async function listUsers(db: Db, organisationId: string, options: { search?: string; page: number; pageSize: number }) {
  const pattern = searchPattern(options.search);
  let members = db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .where('m.organisation_id', '=', organisationId);
  if (pattern) members = members.where((eb) => eb.or([eb('u.name', 'ilike', pattern), eb('u.email', 'ilike', pattern)]));

  let invitations = db
    .selectFrom('invitations')
    .select(['id as invitationId', 'email', 'org_role as orgRole', 'workspace_roles as workspaceRoles', 'created_at as invitedAt', 'expires_at as expiresAt', 'email_status as emailStatus', 'email_error as emailError'])
    .where('organisation_id', '=', organisationId)
    .where('kind', '=', 'link')
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null);
  if (pattern) invitations = invitations.where('email', 'ilike', pattern);

  // One round trip for two independent reads: the page (with its total and each member's workspace
  // roles) and the pending invitations.
  const [rows, pending] = await Promise.all([
    members
      .select([
        'u.id as userId',
        'u.name',
        'u.email',
        'u.avatar_url as avatarUrl',
        'm.org_role as orgRole',
        'u.last_sign_in_at as lastSignInAt',
        'm.created_at as joinedAt',
        workspaceRolesOfMember.as('workspaceRoles'),
        sql<number>`count(*) over ()`.as('total'),
      ])
      .orderBy('u.name')
      .orderBy('u.email')
      .limit(options.pageSize)
      .offset((options.page - 1) * options.pageSize)
      .execute(),
    invitations.orderBy('created_at', 'desc').limit(200).execute(),
  ]);
  // A page past the end has no row to carry the total.
  const total = rows[0]?.total ?? (options.page === 1 ? 0 : (await members.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()).count);
  const now = Date.now();

  return {
    members: rows.map(({ total: _total, ...member }) => member),
    total,
    page: options.page,
    pageSize: options.pageSize,
    invitations: pending.map((i) => ({ ...i, status: 'Pending' as const, expired: i.expiresAt.getTime() <= now })),
  };
}

async function targetMembership(db: Db, organisationId: string, userId: string) {
  const target = await db
    .selectFrom('memberships')
    .select('org_role')
    .where('organisation_id', '=', organisationId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!target) throw notFound('User');
  return target;
}

async function otherAdminCount(db: Db, organisationId: string, excludingUserId: string): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('organisation_id', '=', organisationId)
    .where('org_role', '=', 'admin')
    .where('user_id', '!=', excludingUserId)
    .executeTakeFirstOrThrow();
  return row.count;
}

const LAST_ADMIN = 'An organisation must keep at least one admin. Make someone else an admin first.';

/** Changes an organisation role. Refuses to leave the organisation without an admin. */
export async function changeOrgRole(db: Db, actor: Actor, organisationId: string, userId: string, orgRole: OrgRole) {
  return db.transaction().execute(async (trx) => {
    const actorRole = await lockOrganisationFor(trx, organisationId, actor.userId);
    if (!orgRoleCan(actorRole, 'users.manageAnyRole')) throw new AppError('FORBIDDEN', 'Your role does not allow this.');
    const target = await targetMembership(trx, organisationId, userId);
    if (target.org_role === orgRole) return { userId, orgRole, previousOrgRole: orgRole };
    if (target.org_role === 'admin' && (await otherAdminCount(trx, organisationId, userId)) === 0) {
      throw new AppError('CONFLICT', LAST_ADMIN);
    }
    await trx.updateTable('memberships').set({ org_role: orgRole }).where('organisation_id', '=', organisationId).where('user_id', '=', userId).execute();
    await recordAudit(trx, actor, {
      organisationId,
      action: 'users.changeOrgRole',
      targetType: 'user',
      targetId: userId,
      before: { orgRole: target.org_role },
      after: { orgRole },
    });
    return { userId, orgRole, previousOrgRole: target.org_role };
  });
}

/**
 * Replaces a user's workspace roles (the role in the global workspace is their global role).
 * Every workspace must belong to the organisation.
 */
export async function setWorkspaceRoles(
  db: Db,
  actor: Actor,
  organisationId: string,
  userId: string,
  workspaces: { workspaceId: string; role: WorkspaceRole }[],
) {
  return db.transaction().execute(async (trx) => {
    const actorRole = await lockOrganisationFor(trx, organisationId, actor.userId);
    if (!orgRoleCan(actorRole, 'users.assignWorkspaces')) throw new AppError('FORBIDDEN', 'Your role does not allow this.');
    await targetMembership(trx, organisationId, userId);
    await assertWorkspacesInOrganisation(trx, organisationId, workspaces.map((w) => w.workspaceId));
    const before = await trx
      .deleteFrom('workspace_memberships')
      .where('organisation_id', '=', organisationId)
      .where('user_id', '=', userId)
      .returning(['workspace_id as workspaceId', 'role'])
      .execute();
    if (workspaces.length > 0) {
      await trx
        .insertInto('workspace_memberships')
        .values(workspaces.map((w) => ({ workspace_id: w.workspaceId, user_id: userId, organisation_id: organisationId, role: w.role })))
        .execute();
    }
    await recordAudit(trx, actor, {
      organisationId,
      action: 'users.setWorkspaceRoles',
      targetType: 'user',
      targetId: userId,
      before: { workspaces: before },
      after: { workspaces },
    });
    return { userId, workspaces };
  });
}

export async function assertWorkspacesInOrganisation(db: Db, organisationId: string, workspaceIds: string[]) {
  if (workspaceIds.length === 0) return;
  const found = await db.selectFrom('workspaces').select('id').where('organisation_id', '=', organisationId).where('id', 'in', workspaceIds).execute();
  if (found.length !== new Set(workspaceIds).size) throw notFound('Workspace');
}

/**
 * What leaving an organisation means, whoever initiates it: the membership and its workspace
 * roles go, assigned contacts are unassigned, the person's keys for it are revoked, and (when
 * asked) their sessions end if they belong to no other organisation.
 */
async function endMembership(trx: Transaction<Database>, organisationId: string, userId: string, options: { endSessions: boolean }) {
  await trx.deleteFrom('memberships').where('organisation_id', '=', organisationId).where('user_id', '=', userId).execute();
  const unassigned = await trx
    .updateTable('contact_workspaces')
    .set({ assignee_user_id: null })
    .where('organisation_id', '=', organisationId)
    .where('assignee_user_id', '=', userId)
    .executeTakeFirst();
  const revokedKeys = await trx
    .updateTable('api_keys')
    .set({ revoked_at: sql`now()` })
    .where('organisation_id', '=', organisationId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  let endedSessions = 0;
  if (options.endSessions) {
    // Two removals of the same person from two organisations at once each hold a different
    // organisation lock; the user row lock makes the second see the first's deletion.
    await trx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
    const sessions = await trx
      .deleteFrom('sessions')
      .where('user_id', '=', userId)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('memberships').select(sql.lit(1).as('one')).where('user_id', '=', userId))))
      .executeTakeFirst();
    endedSessions = Number(sessions.numDeletedRows);
  }
  return { unassignedContacts: Number(unassigned.numUpdatedRows), revokedApiKeys: Number(revokedKeys.numUpdatedRows), endedSessions };
}

/**
 * Removes a user from the organisation: their workspace roles go with the membership, their
 * assigned contacts are unassigned, and their sessions end if they belong to no other organisation.
 */
export async function removeUser(db: Db, actor: Actor, organisationId: string, userId: string) {
  if (userId === actor.userId) throw new AppError('BAD_REQUEST', 'You cannot remove yourself. Ask another admin to do it.');
  return db.transaction().execute(async (trx) => {
    const actorRole = await lockOrganisationFor(trx, organisationId, actor.userId);
    if (!orgRoleCan(actorRole, 'users.manageMembers')) throw new AppError('FORBIDDEN', 'Your role does not allow this.');
    const target = await targetMembership(trx, organisationId, userId);
    if (target.org_role !== 'member' && !orgRoleCan(actorRole, 'users.manageAnyRole')) {
      throw new AppError('FORBIDDEN', 'User admins can only remove users whose organisation role is member.');
    }
    if (target.org_role === 'admin' && (await otherAdminCount(trx, organisationId, userId)) === 0) throw new AppError('CONFLICT', LAST_ADMIN);
    const result = { userId, previousOrgRole: target.org_role, ...(await endMembership(trx, organisationId, userId, { endSessions: true })) };
    await recordAudit(trx, actor, { organisationId, action: 'users.remove', targetType: 'user', targetId: userId, before: { orgRole: target.org_role }, after: result });
    return result;
  });
}

/** Leaves an organisation of one's own accord. The last admin cannot leave; the session stays. */
export async function leaveOrganisation(db: Db, actor: Actor, organisationId: string) {
  return db.transaction().execute(async (trx) => {
    const role = await lockOrganisationFor(trx, organisationId, actor.userId);
    if (role === 'admin' && (await otherAdminCount(trx, organisationId, actor.userId)) === 0) throw new AppError('CONFLICT', LAST_ADMIN);
    const result = { userId: actor.userId, previousOrgRole: role, ...(await endMembership(trx, organisationId, actor.userId, { endSessions: false })) };
    await recordAudit(trx, actor, { organisationId, action: 'users.leave', targetType: 'user', targetId: actor.userId, before: { orgRole: role }, after: result });
    return result;
  });
}
