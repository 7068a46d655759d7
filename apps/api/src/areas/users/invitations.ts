import { createHash, randomBytes } from 'node:crypto';
import { type Database, type Db, type OrgRole, sql, type Transaction, type WorkspaceRole } from '@steward/db';
import { orgRoleCan } from '../../access/matrix.js';
import { type JobQueue, QUEUES } from '../../email/jobs.js';
import { MailerError, type MailerDeps, sendEmail } from '../../email/mailer.js';
import { invitationEmail } from '../../email/templates/invitation.js';
import { AppError, notFound, isUniqueViolation } from '../../errors.js';
import { lockOrganisationFor } from '../organisations/locks.js';
import { assertWorkspacesInOrganisation } from './members.js';
import { type Actor, recordAudit } from '../audit/record.js';
import { enforceLimit } from '../billing/limits.js';
import { notifyInvitationAccepted } from '../notifications/events.js';

export const INVITATION_LIFETIME_MS = 7 * 24 * 3600 * 1000;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface InvitationDeps {
  db: Db;
  jobs: JobQueue;
}

/**
 * Invites an address with an organisation role and up to 10 workspace roles. The invitation and
 * its email job commit together; the link itself is minted by the job, so no usable token is
 * ever stored.
 */
export async function inviteUser(
  deps: InvitationDeps,
  actor: Actor,
  organisationId: string,
  input: { email: string; orgRole: OrgRole; workspaces: { workspaceId: string; role: WorkspaceRole }[] },
) {
  return createInvitation(deps, actor, organisationId, input, {
    authorise: (_trx, actorRole) => assertMayManage(actorRole, input.orgRole),
    audit: { action: 'invitations.create' },
  });
}

/**
 * The invitation itself, for whoever may send it: `authorise` runs under the organisation lock
 * (organisation user admins above; a workspace admin inviting into their workspace in team/),
 * and the audit entry names the action that was asked for.
 */
export async function createInvitation(
  { db, jobs }: InvitationDeps,
  actor: Actor,
  organisationId: string,
  input: { email: string; orgRole: OrgRole; workspaces: { workspaceId: string; role: WorkspaceRole }[] },
  options: {
    authorise: (trx: Transaction<Database>, actorRole: OrgRole) => void | Promise<void>;
    audit: { action: string; workspaceId?: string };
  },
) {
  try {
    return await db.transaction().execute(async (trx) => {
      const actorRole = await lockOrganisationFor(trx, organisationId, actor.userId);
      await options.authorise(trx, actorRole);
      await assertWorkspacesInOrganisation(trx, organisationId, input.workspaces.map((w) => w.workspaceId));
      const member = await trx
        .selectFrom('memberships as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select('u.id')
        .where('m.organisation_id', '=', organisationId)
        .where('u.email', '=', input.email)
        .executeTakeFirst();
      if (member) throw new AppError('CONFLICT', `${input.email} is already a member of this organisation.`);
      // An invitation past its expiry no longer blocks a new one.
      await trx
        .updateTable('invitations')
        .set({ revoked_at: sql`now()` })
        .where('organisation_id', '=', organisationId)
        .where('email', '=', input.email)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '<=', sql<Date>`now()`)
        .execute();
      await enforceLimit(trx, organisationId, 'seats', 1);
      const invitation = await trx
        .insertInto('invitations')
        .values({
          organisation_id: organisationId,
          email: input.email,
          org_role: input.orgRole,
          workspace_roles: JSON.stringify(input.workspaces),
          invited_by: actor.userId,
          expires_at: new Date(Date.now() + INVITATION_LIFETIME_MS),
          kind: 'link',
          email_status: 'queued',
        })
        .returning(['id', 'email', 'org_role as orgRole', 'expires_at as expiresAt'])
        .executeTakeFirstOrThrow();
      await jobs.enqueue(trx, QUEUES.invitationEmail, { invitationId: invitation.id });
      await recordAudit(trx, actor, {
        organisationId,
        workspaceId: options.audit.workspaceId,
        action: options.audit.action,
        targetType: 'invitation',
        targetId: invitation.id,
        after: { email: input.email, orgRole: input.orgRole, workspaces: input.workspaces },
      });
      return invitation;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'invitations_one_pending_per_email')) {
      throw new AppError('CONFLICT', `${input.email} already has a pending invitation. Resend it instead.`);
    }
    throw error;
  }
}

async function pendingInvitation(db: Db, organisationId: string, invitationId: string) {
  const invitation = await db
    .selectFrom('invitations')
    .select(['id', 'email', 'org_role', 'workspace_roles'])
    .where('id', '=', invitationId)
    .where('organisation_id', '=', organisationId)
    .where('kind', '=', 'link')
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  if (!invitation) throw notFound('Pending invitation');
  return invitation;
}

/** Re-checked under the organisation lock: the actor's role may have changed since the request began. */
function assertMayManage(actorRole: OrgRole, invitationRole: OrgRole) {
  if (!orgRoleCan(actorRole, 'users.manageMembers')) throw new AppError('FORBIDDEN', 'Your role does not allow this.');
  if (invitationRole !== 'member' && !orgRoleCan(actorRole, 'users.manageAnyRole')) {
    throw new AppError('FORBIDDEN', 'User admins can only invite, resend or revoke invitations with the organisation role member.');
  }
}

/** Sends a pending invitation again with a fresh link and a fresh 7-day expiry. */
export async function resendInvitation({ db, jobs }: InvitationDeps, actor: Actor, organisationId: string, invitationId: string) {
  return db.transaction().execute(async (trx) => {
    const actorRole = await lockOrganisationFor(trx, organisationId, actor.userId);
    const invitation = await pendingInvitation(trx, organisationId, invitationId);
    assertMayManage(actorRole, invitation.org_role);
    const expiresAt = new Date(Date.now() + INVITATION_LIFETIME_MS);
    await trx
      .updateTable('invitations')
      .set({ token_hash: null, expires_at: expiresAt, email_status: 'queued', email_error: null })
      .where('id', '=', invitationId)
      .execute();
    await jobs.enqueue(trx, QUEUES.invitationEmail, { invitationId });
    await recordAudit(trx, actor, { organisationId, action: 'invitations.resend', targetType: 'invitation', targetId: invitationId, after: { email: invitation.email, expiresAt } });
    return { invitationId, email: invitation.email, expiresAt };
  });
}

export async function revokeInvitation(db: Db, actor: Actor, organisationId: string, invitationId: string) {
  return revokeInvitationAs(db, actor, organisationId, invitationId, {
    authorise: (_trx, actorRole, invitation) => assertMayManage(actorRole, invitation.org_role),
    audit: { action: 'invitations.revoke' },
  });
}

type PendingInvitation = Awaited<ReturnType<typeof pendingInvitation>>;

/** Revokes a pending invitation for whoever may: `authorise` sees the locked invitation (team/ uses it too). */
export async function revokeInvitationAs(
  db: Db,
  actor: Actor,
  organisationId: string,
  invitationId: string,
  options: {
    authorise: (trx: Transaction<Database>, actorRole: OrgRole, invitation: PendingInvitation) => void | Promise<void>;
    audit: { action: string; workspaceId?: string };
  },
) {
  return db.transaction().execute(async (trx) => {
    const actorRole = await lockOrganisationFor(trx, organisationId, actor.userId);
    const invitation = await pendingInvitation(trx, organisationId, invitationId);
    await options.authorise(trx, actorRole, invitation);
    await trx.updateTable('invitations').set({ revoked_at: sql`now()`, token_hash: null }).where('id', '=', invitationId).execute();
    await recordAudit(trx, actor, { organisationId, workspaceId: options.audit.workspaceId, action: options.audit.action, targetType: 'invitation', targetId: invitationId, before: { email: invitation.email } });
    return { invitationId, email: invitation.email };
  });
}

/**
 * Accepts an invitation for the signed-in user. The row is locked, so of two simultaneous
 * acceptances exactly one succeeds; the signed-in (verified) email must be the invited one.
 */
export async function acceptInvitation(db: Db, actor: Actor, token: string, jobs: JobQueue) {
  const user = { id: actor.userId, email: actor.email };
  return db.transaction().execute(async (trx) => {
    const invitation = await trx
      .selectFrom('invitations')
      .innerJoin('organisations as o', 'o.id', 'invitations.organisation_id')
      .select(['invitations.id', 'invitations.organisation_id', 'o.name as organisationName', 'invitations.email', 'invitations.org_role', 'invitations.workspace_roles', 'invitations.expires_at', 'invitations.accepted_at', 'invitations.revoked_at', 'invitations.invited_by'])
      .where('invitations.token_hash', '=', hashToken(token))
      .forUpdate(['invitations'])
      .executeTakeFirst();
    if (!invitation || invitation.revoked_at) throw new AppError('NOT_FOUND', 'This invitation link is not valid. It may have been revoked or replaced by a newer one.');
    if (invitation.accepted_at) throw new AppError('CONFLICT', 'This invitation has already been accepted.');
    if (invitation.expires_at.getTime() <= Date.now()) throw new AppError('PRECONDITION_FAILED', 'This invitation has expired. Ask an admin to send a new one.');
    if (invitation.email !== user.email) {
      throw new AppError('FORBIDDEN', `This invitation is for ${invitation.email}, but you are signed in as ${user.email}. Sign in with the invited address.`);
    }
    await trx
      .insertInto('memberships')
      .values({ organisation_id: invitation.organisation_id, user_id: user.id, org_role: invitation.org_role })
      .onConflict((oc) => oc.columns(['organisation_id', 'user_id']).doNothing())
      .execute();
    const assignments = invitation.workspace_roles;
    if (assignments.length > 0) {
      // Workspaces deleted since the invitation was sent are skipped.
      const stillThere = await trx
        .selectFrom('workspaces')
        .select('id')
        .where('organisation_id', '=', invitation.organisation_id)
        .where('id', 'in', assignments.map((a) => a.workspaceId))
        .execute();
      const ids = new Set(stillThere.map((w) => w.id));
      const rows = assignments
        .filter((a) => ids.has(a.workspaceId))
        .map((a) => ({ workspace_id: a.workspaceId, user_id: user.id, organisation_id: invitation.organisation_id, role: a.role }));
      if (rows.length > 0) {
        await trx.insertInto('workspace_memberships').values(rows).onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doNothing()).execute();
      }
    }
    // The hash stays, so a second use of the link hears "already accepted" rather than "not valid".
    await trx.updateTable('invitations').set({ accepted_at: sql`now()` }).where('id', '=', invitation.id).execute();
    await recordAudit(trx, actor, {
      organisationId: invitation.organisation_id,
      action: 'invitations.accept',
      targetType: 'invitation',
      targetId: invitation.id,
      after: { email: invitation.email, orgRole: invitation.org_role, workspaces: assignments },
    });
    await notifyInvitationAccepted(trx, jobs, { organisationId: invitation.organisation_id, invitationId: invitation.id, inviterUserId: invitation.invited_by, userId: user.id, email: invitation.email });
    return { organisationId: invitation.organisation_id, organisationName: invitation.organisationName };
  });
}

/** The pg-boss job: mints the link, sends it, and records the outcome on the invitation. */
export async function sendInvitationEmail(
  deps: MailerDeps,
  job: { invitationId: string; retryCount: number; retryLimit: number },
) {
  const { db, config } = deps;
  const invitation = await db
    .selectFrom('invitations as i')
    .innerJoin('organisations as o', 'o.id', 'i.organisation_id')
    .leftJoin('users as inviter', 'inviter.id', 'i.invited_by')
    .select(['i.id', 'i.organisation_id', 'i.email', 'i.expires_at', 'o.name as organisationName', 'inviter.name as inviterName'])
    .where('i.id', '=', job.invitationId)
    .where('i.accepted_at', 'is', null)
    .where('i.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!invitation) return { skipped: 'The invitation is no longer pending.' };

  const token = randomBytes(32).toString('base64url');
  await db.updateTable('invitations').set({ token_hash: hashToken(token) }).where('id', '=', invitation.id).execute();
  const acceptUrl = new URL(`/invitations/accept?token=${encodeURIComponent(token)}`, config.publicUrl).href;
  const email = invitationEmail({ organisationName: invitation.organisationName, inviterName: invitation.inviterName, acceptUrl, expiresAt: invitation.expires_at });
  try {
    const delivery = await sendEmail(deps, { organisationId: invitation.organisation_id, to: invitation.email, ...email });
    await db.updateTable('invitations').set({ email_status: 'sent', email_error: null, email_sent_at: sql`now()` }).where('id', '=', invitation.id).execute();
    return { delivered: delivery.via };
  } catch (error) {
    const message = error instanceof MailerError ? error.message : 'The email could not be sent.';
    const final = !(error instanceof MailerError && error.retryable) || job.retryCount >= job.retryLimit;
    await db
      .updateTable('invitations')
      .set({ email_status: final ? 'failed' : 'retrying', email_error: message })
      .where('id', '=', invitation.id)
      .execute();
    if (final) return { failed: message };
    throw error;
  }
}

/** What the accept page shows before the person commits: whose invitation, for which address, and whether it still works. */
export async function previewInvitation(db: Db, token: string) {
  const invitation = await db
    .selectFrom('invitations as i')
    .innerJoin('organisations as o', 'o.id', 'i.organisation_id')
    .select(['o.name as organisationName', 'i.email', 'i.org_role as orgRole', 'i.expires_at as expiresAt', 'i.accepted_at', 'i.revoked_at'])
    .where('i.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!invitation || invitation.revoked_at) throw new AppError('NOT_FOUND', 'This invitation link is not valid. It may have been revoked or replaced by a newer one.');
  const state = invitation.accepted_at ? 'accepted' : invitation.expiresAt.getTime() <= Date.now() ? 'expired' : 'pending';
  return { organisationName: invitation.organisationName, email: invitation.email, orgRole: invitation.orgRole, expiresAt: invitation.expiresAt, state } as const;
}
