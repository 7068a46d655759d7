import { beforeEach, describe, expect, it } from 'vitest';
import { addMember, addSignedInMember, insertContacts, seedOrganisation, useStewardApp } from '@steward/test-kit';
import { hashSessionToken } from '../../auth/sessions.js';

const steward = useStewardApp({ fakeMailerSend: true, organisation: 'Acme' });

type UsersList = {
  members: { userId: string; email: string; orgRole: string; workspaceRoles: { workspaceId: string; role: string }[] }[];
  total: number;
  invitations: { invitationId: string; email: string; status: string; emailStatus: string; emailError: string | null }[];
};

const list = (input: Record<string, unknown> = {}) => steward.org.admin.agent.trpc<UsersList>('users.list', { organisationId: steward.org.organisationId, ...input });
const mutate = (path: string, input: Record<string, unknown>) => steward.org.admin.agent.trpc(path, { organisationId: steward.org.organisationId, ...input }, 'mutation');

function acceptLink(text: string | undefined) {
  const url = /https?:\/\/\S+/.exec(text ?? '')?.[0];
  return new URL(url!).searchParams.get('token')!;
}

describe('users page', () => {
  it('lists members with their workspace roles, searches by name or email, and pages', async () => {
    for (let i = 0; i < 5; i++) await addMember(steward.app.db, steward.org.organisationId, `page-${i}@people.example`, 'member', [{ workspaceId: steward.org.chapterWorkspaceId, role: 'viewer' }]);
    const found = await list({ search: 'people.example', pageSize: 2, page: 1 });
    expect(found.data.total).toBe(5);
    expect(found.data.members).toHaveLength(2);
    expect(found.data.members[0]!.workspaceRoles).toEqual([expect.objectContaining({ workspaceId: steward.org.chapterWorkspaceId, role: 'viewer' })]);
    const third = await list({ search: 'people.example', pageSize: 2, page: 3 });
    expect(third.data.members).toHaveLength(1);
    expect(third.data.total).toBe(5);
    const pastTheEnd = await list({ search: 'people.example', pageSize: 2, page: 4 });
    expect(pastTheEnd.data).toMatchObject({ members: [], total: 5 });
    expect((await list({ search: 'nobody-matches-this' })).data.total).toBe(0);
  });

  it("lists a member's workspace roles global first, then by workspace name", async () => {
    const db = steward.app.db;
    const zed = await db.insertInto('workspaces').values({ organisation_id: steward.org.organisationId, kind: 'chapter', name: 'Zed chapter', slug: 'zed' }).returning('id').executeTakeFirstOrThrow();
    const member = await addMember(db, steward.org.organisationId, 'roles-order@people.example', 'member', [
      { workspaceId: zed.id, role: 'admin' },
      { workspaceId: steward.org.chapterWorkspaceId, role: 'member' },
      { workspaceId: steward.org.globalWorkspaceId, role: 'viewer' },
    ]);
    const listed = (await list({ search: 'roles-order' })).data.members;
    expect(listed.map((m) => m.userId)).toEqual([member.id]);
    expect(listed[0]!.workspaceRoles.map((r) => [r.workspaceId, r.role])).toEqual([
      [steward.org.globalWorkspaceId, 'viewer'],
      [steward.org.chapterWorkspaceId, 'member'],
      [zed.id, 'admin'],
    ]);
  });

  it('treats % and _ in the search as plain characters', async () => {
    expect((await list({ search: '%' })).data.total).toBe(0);
  });
});

describe('invitations', () => {
  beforeEach(async () => {
    // Let the emails of earlier tests finish, so that each test sees only its own.
    await expect
      .poll(async () => (await steward.app.db.selectFrom('invitations').select('id').where('email_status', 'in', ['queued', 'retrying']).execute()).length, { timeout: 15_000 })
      .toBe(0);
    steward.mailer.received.length = 0;
  });

  it('sends the invitation through MailerSend with a single-use link, and shows it Pending', async () => {
    const created = await mutate('invitations.create', {
      email: 'New.Person@Example.org',
      orgRole: 'member',
      workspaces: [{ workspaceId: steward.org.chapterWorkspaceId, role: 'member' }],
    });
    expect(created.error).toBeNull();
    const [email] = await steward.mailer.waitFor(1);
    expect(email!.authorization).toBe('Bearer mlsn.test-key-from-environment');
    expect(email!.body.to).toEqual([{ email: 'new.person@example.org' }]);
    expect(email!.body.subject).toContain('Acme');
    const token = acceptLink(email!.body.text);
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);

    const pending = (await list()).data.invitations.find((i) => i.email === 'new.person@example.org')!;
    expect(pending.status).toBe('Pending');
    await expect.poll(async () => (await list()).data.invitations.find((i) => i.email === 'new.person@example.org')?.emailStatus).toBe('sent');

    const stored = await steward.app.db.selectFrom('invitations').select('token_hash').where('email', '=', 'new.person@example.org').executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token);

    const invitee = await steward.app.signIn('new.person@example.org');
    const accepted = await invitee.trpc<{ organisationId: string }>('invitations.accept', { token }, 'mutation');
    expect(accepted.data.organisationId).toBe(steward.org.organisationId);
    const member = (await list({ search: 'new.person' })).data.members[0]!;
    expect(member.orgRole).toBe('member');
    expect(member.workspaceRoles).toEqual([expect.objectContaining({ workspaceId: steward.org.chapterWorkspaceId, role: 'member' })]);
    expect((await list()).data.invitations.some((i) => i.email === 'new.person@example.org')).toBe(false);

    const again = await invitee.trpc('invitations.accept', { token }, 'mutation');
    expect(again.error?.data.code).toBe('CONFLICT');
  });

  it('refuses acceptance by a different signed-in address', async () => {
    await mutate('invitations.create', { email: 'right@example.org', orgRole: 'member' });
    const [email] = await steward.mailer.waitFor(1);
    const stranger = await steward.app.signIn('wrong@example.org');
    const refused = await stranger.trpc('invitations.accept', { token: acceptLink(email!.body.text) }, 'mutation');
    expect(refused.error?.data.code).toBe('FORBIDDEN');
    expect(refused.error?.message).toContain('right@example.org');
  });

  it('refuses an expired invitation', async () => {
    await mutate('invitations.create', { email: 'late@example.org', orgRole: 'member' });
    const [email] = await steward.mailer.waitFor(1);
    await steward.app.db.updateTable('invitations').set({ expires_at: new Date(Date.now() - 1000) }).where('email', '=', 'late@example.org').execute();
    const late = await steward.app.signIn('late@example.org');
    const refused = await late.trpc('invitations.accept', { token: acceptLink(email!.body.text) }, 'mutation');
    expect(refused.error?.data.code).toBe('PRECONDITION_FAILED');
    expect(refused.error?.message).toContain('expired');
  });

  it('refuses to invite an existing member or an address already pending', async () => {
    const member = await mutate('invitations.create', { email: steward.org.admin.email, orgRole: 'member' });
    expect(member.error?.data.code).toBe('CONFLICT');
    expect(member.error?.message).toContain('already a member');
    await mutate('invitations.create', { email: 'twice@example.org', orgRole: 'member' });
    const twice = await mutate('invitations.create', { email: 'twice@example.org', orgRole: 'member' });
    expect(twice.error?.message).toContain('already has a pending invitation');
  });

  it('assigns at most 10 workspaces in one invitation', async () => {
    const workspaces = Array.from({ length: 11 }, () => ({ workspaceId: crypto.randomUUID(), role: 'viewer' }));
    const refused = await mutate('invitations.create', { email: 'many@example.org', orgRole: 'member', workspaces });
    expect(refused.status).toBe(400);
    expect(refused.error?.message).toContain('at most 10 workspaces');
  });

  it("answers NOT_FOUND for another organisation's workspace in an invitation", async () => {
    const other = await seedOrganisation(steward.app, 'Elsewhere');
    const refused = await mutate('invitations.create', { email: 'x@example.org', workspaces: [{ workspaceId: other.chapterWorkspaceId, role: 'viewer' }] });
    expect(refused.error?.data.code).toBe('NOT_FOUND');
  });

  it('shows a failed send with its reason, keeps the invitation, and resends with a new link', async () => {
    steward.mailer.failNext(401, { message: 'Unauthenticated.' });
    await mutate('invitations.create', { email: 'bounce@example.org', orgRole: 'member' });
    await expect.poll(async () => (await list()).data.invitations.find((i) => i.email === 'bounce@example.org')?.emailStatus, { timeout: 10_000 }).toBe('failed');
    const failed = (await list()).data.invitations.find((i) => i.email === 'bounce@example.org')!;
    expect(failed.emailError).toContain('refused the API key');
    expect(JSON.stringify(failed)).not.toContain('mlsn.');

    const resent = await mutate('invitations.resend', { invitationId: failed.invitationId });
    expect(resent.error).toBeNull();
    const [email] = await steward.mailer.waitFor(1);
    expect(email!.body.to).toEqual([{ email: 'bounce@example.org' }]);
  });

  it('retries a send that failed for a passing reason', async () => {
    steward.mailer.failNext(503, { message: 'Service unavailable' });
    await mutate('invitations.create', { email: 'retry@example.org', orgRole: 'member' });
    const [email] = await steward.mailer.waitFor(1, 15_000);
    expect(email!.body.to).toEqual([{ email: 'retry@example.org' }]);
    await expect.poll(async () => (await list()).data.invitations.find((i) => i.email === 'retry@example.org')?.emailStatus, { timeout: 10_000 }).toBe('sent');
  });

  it('revokes a pending invitation so that its link stops working', async () => {
    await mutate('invitations.create', { email: 'revoked@example.org', orgRole: 'member' });
    const [email] = await steward.mailer.waitFor(1);
    const pending = (await list()).data.invitations.find((i) => i.email === 'revoked@example.org')!;
    expect((await mutate('invitations.revoke', { invitationId: pending.invitationId })).error).toBeNull();
    const invitee = await steward.app.signIn('revoked@example.org');
    const refused = await invitee.trpc('invitations.accept', { token: acceptLink(email!.body.text) }, 'mutation');
    expect(refused.error?.data.code).toBe('NOT_FOUND');
  });
});

describe('leaving an organisation', () => {
  it('lets a member leave: access and keys go, the session stays', async () => {
    const leaver = await addSignedInMember(steward.app, steward.org.organisationId, 'goodbye@acme.example', 'member', [{ workspaceId: steward.org.chapterWorkspaceId, role: 'member' }]);
    const left = await leaver.agent.trpc<{ endedSessions: number }>('users.leave', { organisationId: steward.org.organisationId }, 'mutation');
    expect(left.error).toBeNull();
    expect(left.data.endedSessions).toBe(0);
    const me = await leaver.agent.trpc<{ organisations: unknown[] }>('me');
    expect(me.data.organisations).toEqual([]);
    expect((await leaver.agent.trpc('workspaces.get', { workspaceId: steward.org.chapterWorkspaceId })).error?.data.code).toBe('NOT_FOUND');
  });

  it('refuses to let the last admin leave', async () => {
    const solo = await seedOrganisation(steward.app, 'Lonely');
    const refused = await solo.admin.agent.trpc('users.leave', { organisationId: solo.organisationId }, 'mutation');
    expect(refused.error?.data.code).toBe('CONFLICT');
    expect(refused.error?.message).toContain('at least one admin');
  });
});

describe('roles and removal', () => {
  it('lets a user admin invite members but not admins', async () => {
    const userAdmin = await addSignedInMember(steward.app, steward.org.organisationId, 'useradmin@acme.example', 'user_admin');
    const asMember = await userAdmin.agent.trpc('invitations.create', { organisationId: steward.org.organisationId, email: 'ok@example.org', orgRole: 'member' }, 'mutation');
    expect(asMember.error).toBeNull();
    const asAdmin = await userAdmin.agent.trpc('invitations.create', { organisationId: steward.org.organisationId, email: 'boss@example.org', orgRole: 'admin' }, 'mutation');
    expect(asAdmin.error?.data.code).toBe('FORBIDDEN');
  });

  it('lets a user admin remove members but not admins', async () => {
    const userAdmin = await addSignedInMember(steward.app, steward.org.organisationId, 'useradmin2@acme.example', 'user_admin');
    const member = await addMember(steward.app.db, steward.org.organisationId, 'plain@acme.example', 'member');
    const admin = await addMember(steward.app.db, steward.org.organisationId, 'second-admin@acme.example', 'admin');
    expect((await userAdmin.agent.trpc('users.remove', { organisationId: steward.org.organisationId, userId: admin.id }, 'mutation')).error?.data.code).toBe('FORBIDDEN');
    expect((await userAdmin.agent.trpc('users.remove', { organisationId: steward.org.organisationId, userId: member.id }, 'mutation')).error).toBeNull();
  });

  it('refuses to let anyone remove themselves', async () => {
    const refused = await mutate('users.remove', { userId: steward.org.admin.id });
    expect(refused.error?.data.code).toBe('BAD_REQUEST');
    expect(refused.error?.message).toContain('cannot remove yourself');
  });

  it('refuses to demote the last organisation admin', async () => {
    const solo = await seedOrganisation(steward.app, 'Solo');
    const refused = await solo.admin.agent.trpc('users.changeOrgRole', { organisationId: solo.organisationId, userId: solo.admin.id, orgRole: 'member' }, 'mutation');
    expect(refused.error?.data.code).toBe('CONFLICT');
    expect(refused.error?.message).toContain('at least one admin');
  });

  it('changes global and workspace roles, and the effective role follows', async () => {
    const person = await addSignedInMember(steward.app, steward.org.organisationId, 'roles@acme.example', 'member');
    const denied = await person.agent.trpc('workspaces.get', { workspaceId: steward.org.chapterWorkspaceId });
    expect(denied.error?.data.code).toBe('FORBIDDEN');
    const set = await mutate('users.setWorkspaceRoles', { userId: person.id, workspaces: [{ workspaceId: steward.org.globalWorkspaceId, role: 'viewer' }] });
    expect(set.error).toBeNull();
    expect((await person.agent.trpc('workspaces.get', { workspaceId: steward.org.chapterWorkspaceId })).error).toBeNull();
  });

  it('removing a user ends their access, unassigns their contacts and ends sessions where they belong nowhere else', async () => {
    const leaving = await addSignedInMember(steward.app, steward.org.organisationId, 'leaving@acme.example', 'member', [{ workspaceId: steward.org.chapterWorkspaceId, role: 'admin' }]);
    await insertContacts(steward.app.db, steward.org.organisationId, steward.org.chapterWorkspaceId, 3, leaving.id);
    const removed = await mutate('users.remove', { userId: leaving.id });
    expect(removed.data).toMatchObject({ unassignedContacts: 3, endedSessions: 1 });
    expect(await steward.app.db.selectFrom('contact_workspaces').select('contact_id').where('assignee_user_id', '=', leaving.id).execute()).toEqual([]);
    expect(await steward.app.db.selectFrom('workspace_memberships').select('role').where('user_id', '=', leaving.id).execute()).toEqual([]);
    const session = hashSessionToken(leaving.agent.cookie('steward_session')!);
    expect(await steward.app.db.selectFrom('sessions').select('id').where('id', '=', session).executeTakeFirst()).toBeUndefined();
    expect((await leaving.agent.trpc('me')).status).toBe(401);
  });

  it('keeps the sessions of a removed user who belongs to another organisation', async () => {
    const other = await seedOrganisation(steward.app, 'Second home');
    const both = await addSignedInMember(steward.app, steward.org.organisationId, 'both@acme.example', 'member');
    await addMember(steward.app.db, other.organisationId, 'both@acme.example', 'member');
    const removed = await mutate('users.remove', { userId: both.id });
    expect(removed.data).toMatchObject({ endedSessions: 0 });
    expect((await both.agent.trpc('me')).status).toBe(200);
  });
});
