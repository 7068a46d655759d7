import { type Database, type Db, sql, type Transaction, type WorkspaceRole } from '@steward/db';
import { workspaceRoleCan } from '../../access/matrix.js';
import { effectiveWorkspaceRole, resolveWorkspaceAccess } from '../../access/roles.js';
import { AppError } from '../../errors.js';
import { type Actor, recordAudit } from '../audit/record.js';
import { lockOrganisationFor } from '../organisations/locks.js';
import { createInvitation, type InvitationDeps, revokeInvitationAs } from '../users/invitations.js';

/**
 * A workspace's own team, run by its admins (SPEC §3, seed 002 "Team & Members"): the people with
 * a role in it, those whose global role reaches in, and invitations into it. Only this workspace's
 * roles change here: organisation roles and other workspaces belong to the users area.
 */

export interface TeamPlace {
  organisationId: string;
  workspaceId: string;
}

/**
 * Takes the organisation lock (as every membership change does) and re-reads the actor's standing
 * in the workspace under it: an admin demoted meanwhile is refused.
 */
async function lockTeam(trx: Transaction<Database>, place: TeamPlace, actorId: string) {
  await lockOrganisationFor(trx, place.organisationId, actorId);
  const access = await resolveWorkspaceAccess(trx, actorId, place.workspaceId);
  if (!access || access.organisationId !== place.organisationId) throw new AppError('NOT_FOUND', 'Workspace not found.');
  if (!workspaceRoleCan(access.role, 'workspace.settings')) throw new AppError('FORBIDDEN', 'Your role does not allow this.');
}

/** The role of each member of the organisation in its global workspace (a lateral-free scalar subquery). */
const globalRole = sql<WorkspaceRole | null>`(
  select gm.role from workspace_memberships gm join workspaces g on g.id = gm.workspace_id
   where g.organisation_id = m.organisation_id and g.kind = 'global' and gm.user_id = m.user_id)`;

function searchPattern(search: string | undefined) {
  return search ? `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
}

export async function listTeam(db: Db, place: TeamPlace, options: { search?: string; page: number; pageSize: number }) {
  const pattern = searchPattern(options.search);
  let members = db
    .selectFrom('workspace_memberships as wm')
    .innerJoin('memberships as m', (j) => j.onRef('m.organisation_id', '=', 'wm.organisation_id').onRef('m.user_id', '=', 'wm.user_id'))
    .innerJoin('users as u', 'u.id', 'wm.user_id')
    .where('wm.workspace_id', '=', place.workspaceId)
    .where('wm.organisation_id', '=', place.organisationId);
  if (pattern) members = members.where((eb) => eb.or([eb('u.name', 'ilike', pattern), eb('u.email', 'ilike', pattern)]));

  let reachingIn = db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id as userId', 'u.name', 'u.email', 'u.avatar_url as avatarUrl', 'm.org_role as orgRole', globalRole.as('globalRole')])
    .where('m.organisation_id', '=', place.organisationId)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('workspace_memberships as own').select(sql.lit(1).as('one')).where('own.workspace_id', '=', place.workspaceId).whereRef('own.user_id', '=', 'm.user_id'))),
    )
    .where((eb) => eb.or([eb('m.org_role', '=', 'admin'), eb(globalRole, 'is not', null)]))
    .orderBy('u.name')
    .orderBy('u.email');
  if (pattern) reachingIn = reachingIn.where((eb) => eb.or([eb('u.name', 'ilike', pattern), eb('u.email', 'ilike', pattern)]));

  const invitations = db
    .selectFrom('invitations')
    .select(['id as invitationId', 'email', 'org_role', 'workspace_roles', 'created_at as invitedAt', 'expires_at as expiresAt'])
    .where('organisation_id', '=', place.organisationId)
    .where('kind', '=', 'link')
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where(sql<boolean>`workspace_roles @> ${JSON.stringify([{ workspaceId: place.workspaceId }])}::jsonb`)
    .orderBy('created_at', 'desc');

  const [rows, count, reaching, pending] = await Promise.all([
    members
      .select(['u.id as userId', 'u.name', 'u.email', 'u.avatar_url as avatarUrl', 'm.org_role as orgRole', 'wm.role as workspaceRole', globalRole.as('globalRole')])
      .orderBy('u.name')
      .orderBy('u.email')
      .limit(options.pageSize)
      .offset((options.page - 1) * options.pageSize)
      .execute(),
    members.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    reachingIn.execute(),
    invitations.execute(),
  ]);
  const now = Date.now();
  return {
    members: rows.map((r) => ({ ...r, effectiveRole: effectiveWorkspaceRole({ orgRole: r.orgRole, globalRole: r.globalRole, workspaceRole: r.workspaceRole })! })),
    total: Number(count.n),
    page: options.page,
    pageSize: options.pageSize,
    reachingIn: reaching.map((r) => ({
      ...r,
      reason: r.orgRole === 'admin' ? ('organisation_admin' as const) : ('global_role' as const),
      effectiveRole: effectiveWorkspaceRole({ orgRole: r.orgRole, globalRole: r.globalRole, workspaceRole: null })!,
    })),
    invitations: pending.map(({ workspace_roles, org_role, ...i }) => ({
      ...i,
      role: workspace_roles.find((w) => w.workspaceId === place.workspaceId)!.role,
      expired: i.expiresAt.getTime() <= now,
      revocable: org_role === 'member' && workspace_roles.length === 1,
    })),
  };
}

/**
 * Brings someone into the workspace with a role. A member of the organisation gets the role at
 * once; anyone else is invited by email as an organisation `member` with this workspace's role,
 * through the invitation machinery of the users area (same lock, job and audit).
 */
export async function inviteToWorkspace(deps: InvitationDeps, actor: Actor, place: TeamPlace, input: { email: string; role: WorkspaceRole }) {
  const added = await deps.db.transaction().execute(async (trx) => {
    await lockTeam(trx, place, actor.userId);
    const existing = await trx
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select('u.id')
      .where('m.organisation_id', '=', place.organisationId)
      .where('u.email', '=', input.email)
      .executeTakeFirst();
    if (!existing) return null;
    const inserted = await trx
      .insertInto('workspace_memberships')
      .values({ workspace_id: place.workspaceId, user_id: existing.id, organisation_id: place.organisationId, role: input.role })
      .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doNothing())
      .returning('user_id')
      .executeTakeFirst();
    if (!inserted) throw new AppError('CONFLICT', `${input.email} is already on this workspace's team. Change their role instead.`);
    await recordAudit(trx, actor, { ...place, action: 'team.invite', targetType: 'user', targetId: existing.id, after: { email: input.email, role: input.role } });
    return { outcome: 'added' as const, email: input.email, role: input.role, userId: existing.id, invitationId: null };
  });
  if (added) return added;
  const invitation = await createInvitation(
    deps,
    actor,
    place.organisationId,
    { email: input.email, orgRole: 'member', workspaces: [{ workspaceId: place.workspaceId, role: input.role }] },
    { authorise: (trx) => lockTeam(trx, place, actor.userId), audit: { action: 'team.invite', workspaceId: place.workspaceId } },
  );
  return { outcome: 'invited' as const, email: input.email, role: input.role, userId: null, invitationId: invitation.id };
}

async function targetMember(trx: Transaction<Database>, place: TeamPlace, userId: string) {
  const row = await trx
    .selectFrom('workspace_memberships')
    .select('role')
    .where('workspace_id', '=', place.workspaceId)
    .where('organisation_id', '=', place.organisationId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'This person has no role in this workspace (their access may come from their global role, which the organisation’s admins manage).');
  return row;
}

const notYourself = (actor: Actor, userId: string, what: string) => {
  if (actor.userId === userId) throw new AppError('BAD_REQUEST', `You cannot ${what} yourself. Ask another admin of this workspace.`);
};

/** Changes someone's role in this workspace only. */
export async function setTeamRole(db: Db, actor: Actor, place: TeamPlace, userId: string, role: WorkspaceRole) {
  notYourself(actor, userId, 'change the role of');
  return db.transaction().execute(async (trx) => {
    await lockTeam(trx, place, actor.userId);
    const before = await targetMember(trx, place, userId);
    await trx.updateTable('workspace_memberships').set({ role }).where('workspace_id', '=', place.workspaceId).where('user_id', '=', userId).execute();
    await recordAudit(trx, actor, { ...place, action: 'team.setRole', targetType: 'user', targetId: userId, before: { role: before.role }, after: { role } });
    return { userId, role, previousRole: before.role };
  });
}

/**
 * Removes someone from this workspace only: their organisation membership and other workspaces
 * stay; the contacts they were assigned here are unassigned, in one statement.
 */
export async function removeFromWorkspace(db: Db, actor: Actor, place: TeamPlace, userId: string) {
  notYourself(actor, userId, 'remove');
  return db.transaction().execute(async (trx) => {
    await lockTeam(trx, place, actor.userId);
    const before = await targetMember(trx, place, userId);
    await trx.deleteFrom('workspace_memberships').where('workspace_id', '=', place.workspaceId).where('user_id', '=', userId).execute();
    const unassigned = await trx
      .updateTable('contact_workspaces')
      .set({ assignee_user_id: null })
      .where('workspace_id', '=', place.workspaceId)
      .where('assignee_user_id', '=', userId)
      .executeTakeFirst();
    const result = { userId, previousRole: before.role, unassignedContacts: Number(unassigned.numUpdatedRows) };
    await recordAudit(trx, actor, { ...place, action: 'team.remove', targetType: 'user', targetId: userId, before: { role: before.role }, after: result });
    return result;
  });
}

/**
 * Revokes a pending invitation into this workspace — one a workspace admin could have sent: an
 * organisation `member` with a role in this workspace only. Wider ones are the users area's.
 */
export async function revokeTeamInvitation(db: Db, actor: Actor, place: TeamPlace, invitationId: string) {
  return revokeInvitationAs(db, actor, place.organisationId, invitationId, {
    authorise: async (trx, _actorRole, invitation) => {
      await lockTeam(trx, place, actor.userId);
      if (!invitation.workspace_roles.some((w) => w.workspaceId === place.workspaceId)) throw new AppError('NOT_FOUND', 'Pending invitation was not found.');
      if (invitation.org_role !== 'member' || invitation.workspace_roles.length !== 1) {
        throw new AppError('FORBIDDEN', 'This invitation gives more than a role in this workspace; an organisation administrator can revoke it under Users.');
      }
    },
    audit: { action: 'team.revokeInvitation', workspaceId: place.workspaceId },
  });
}
