import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from '@steward/db';
import { addMember, addSignedInMember, insertContacts, seedOrganisation, useStewardApp, type SeededUser } from '@steward/test-kit';

const steward = useStewardApp({ workers: false, organisation: 'Acme' });

type Result<T> = { error: { message: string; data: { code: string } } | null; text: string; data: T };
const ok = <T>(result: Result<T>) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};
const call = <T>(agent: SeededUser['agent'], path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') => agent.trpc<T>(path, input, kind) as Promise<Result<T>>;

interface Team {
  members: { userId: string; email: string; orgRole: string; workspaceRole: string; globalRole: string | null; effectiveRole: string }[];
  total: number;
  reachingIn: { userId: string; email: string; orgRole: string; globalRole: string | null; effectiveRole: string; reason: string }[];
  invitations: { invitationId: string; email: string; role: string; revocable: boolean }[];
}

const unique = () => randomBytes(4).toString('hex');
let organisationId: string;
let chapter: string;
let otherChapter: string;
let chapterAdmin: SeededUser;

async function newChapter() {
  const slug = `team-${unique()}`;
  return (await steward.db.insertInto('workspaces').values({ organisation_id: organisationId, kind: 'chapter', name: slug, slug }).returning('id').executeTakeFirstOrThrow()).id;
}
const team = async (workspaceId = chapter, agent = chapterAdmin.agent) => ok(await call<Team>(agent, 'team.list', { workspaceId }, 'query'));
const rolesOf = async (userId: string) =>
  (await steward.db.selectFrom('workspace_memberships').select(['workspace_id', 'role']).where('user_id', '=', userId).orderBy('workspace_id').execute()).map((r) => [r.workspace_id, r.role]);

beforeAll(async () => {
  organisationId = steward.org.organisationId;
  chapter = await newChapter();
  otherChapter = await newChapter();
  // A workspace admin whose organisation role is no more than member.
  chapterAdmin = await addSignedInMember(steward.app, organisationId, 'lead@acme.example', 'member', [
    { workspaceId: chapter, role: 'admin' },
    { workspaceId: otherChapter, role: 'viewer' },
  ]);
});

describe('the workspace team', () => {
  it("shows the workspace's members with their role, and apart from them those whose global role reaches in, with the higher role as effective", async () => {
    const editor = await addMember(steward.db, organisationId, `editor-${unique()}@acme.example`, 'member', [{ workspaceId: chapter, role: 'member' }]);
    // A global admin who is also a viewer here: effective admin.
    const both = await addMember(steward.db, organisationId, `both-${unique()}@acme.example`, 'member', [
      { workspaceId: chapter, role: 'viewer' },
      { workspaceId: steward.org.globalWorkspaceId, role: 'admin' },
    ]);
    const globalViewer = await addMember(steward.db, organisationId, `global-${unique()}@acme.example`, 'member', [{ workspaceId: steward.org.globalWorkspaceId, role: 'viewer' }]);
    const elsewhere = await addMember(steward.db, organisationId, `elsewhere-${unique()}@acme.example`, 'member', [{ workspaceId: otherChapter, role: 'admin' }]);

    const list = await team();
    expect(list.members.find((m) => m.userId === editor.id)).toMatchObject({ workspaceRole: 'member', globalRole: null, effectiveRole: 'member' });
    expect(list.members.find((m) => m.userId === both.id)).toMatchObject({ workspaceRole: 'viewer', globalRole: 'admin', effectiveRole: 'admin' });
    expect(list.reachingIn.find((m) => m.userId === globalViewer.id)).toMatchObject({ globalRole: 'viewer', effectiveRole: 'viewer', reason: 'global_role' });
    expect(list.reachingIn.find((m) => m.userId === steward.org.admin.id)).toMatchObject({ orgRole: 'admin', effectiveRole: 'admin', reason: 'organisation_admin' });
    expect(list.reachingIn.some((m) => m.userId === both.id)).toBe(false);
    expect([...list.members, ...list.reachingIn].some((m) => m.userId === elsewhere.id)).toBe(false);
  });

  it('invites an address into this workspace as an organisation member with the chosen role, and shows the invitation as pending', async () => {
    const email = `newcomer-${unique()}@example.org`;
    const invited = ok(await call<{ outcome: string; invitationId: string }>(chapterAdmin.agent, 'team.invite', { workspaceId: chapter, email, role: 'viewer' }));
    expect(invited.outcome).toBe('invited');
    const row = await steward.db.selectFrom('invitations').select(['org_role', 'workspace_roles', 'email_status', 'invited_by']).where('id', '=', invited.invitationId).executeTakeFirstOrThrow();
    expect(row).toEqual({ org_role: 'member', workspace_roles: [{ workspaceId: chapter, role: 'viewer' }], email_status: 'queued', invited_by: chapterAdmin.id });
    // The email job was enqueued in the same transaction.
    const jobs = await sql<{ data: { invitationId: string } }>`select data from pgboss.job where name = 'invitation-email'`.execute(steward.db);
    expect(jobs.rows.map((j) => j.data.invitationId)).toContain(invited.invitationId);
    expect((await team()).invitations).toContainEqual(expect.objectContaining({ email, role: 'viewer' }));
    // Not on another workspace's team.
    expect((await team(otherChapter, steward.org.admin.agent)).invitations.some((i) => i.email === email)).toBe(false);
    const again = await call(chapterAdmin.agent, 'team.invite', { workspaceId: chapter, email, role: 'viewer' });
    expect(again.error?.message).toBe(`${email} already has a pending invitation. Resend it instead.`);
  });

  it('revokes a pending invitation into this workspace only, and not one that gives more', async () => {
    const invitation = async (workspaces: { workspaceId: string; role: 'member' }[], orgRole: 'member' | 'user_admin' = 'member') =>
      ok(await call<{ id: string }>(steward.org.admin.agent, 'invitations.create', { organisationId, email: `pending-${unique()}@example.org`, orgRole, workspaces })).id;
    const own = await invitation([{ workspaceId: chapter, role: 'member' }]);
    const wider = await invitation([{ workspaceId: chapter, role: 'member' }, { workspaceId: otherChapter, role: 'member' }]);
    const elsewhere = await invitation([{ workspaceId: otherChapter, role: 'member' }]);
    const listed = (await team()).invitations;
    expect(listed.find((i) => i.invitationId === own)?.revocable).toBe(true);
    expect(listed.find((i) => i.invitationId === wider)?.revocable).toBe(false);
    expect(listed.some((i) => i.invitationId === elsewhere)).toBe(false);

    ok(await call(chapterAdmin.agent, 'team.revokeInvitation', { workspaceId: chapter, invitationId: own }));
    expect((await team()).invitations.some((i) => i.invitationId === own)).toBe(false);
    expect((await call(chapterAdmin.agent, 'team.revokeInvitation', { workspaceId: chapter, invitationId: wider })).error?.data.code).toBe('FORBIDDEN');
    expect((await call(chapterAdmin.agent, 'team.revokeInvitation', { workspaceId: chapter, invitationId: elsewhere })).error?.data.code).toBe('NOT_FOUND');
    const stillPending = await steward.db.selectFrom('invitations').select('id').where('id', 'in', [wider, elsewhere]).where('revoked_at', 'is', null).execute();
    expect(stillPending).toHaveLength(2);
  });

  it('gives a member of the organisation a role here at once, without an invitation', async () => {
    const person = await addMember(steward.db, organisationId, `colleague-${unique()}@acme.example`, 'member');
    const added = ok(await call<{ outcome: string; userId: string }>(chapterAdmin.agent, 'team.invite', { workspaceId: chapter, email: person.email, role: 'member' }));
    expect(added).toMatchObject({ outcome: 'added', userId: person.id });
    expect(await rolesOf(person.id)).toEqual([[chapter, 'member']]);
    const twice = await call(chapterAdmin.agent, 'team.invite', { workspaceId: chapter, email: person.email, role: 'admin' });
    expect(twice.error?.data.code).toBe('CONFLICT');
  });

  it("changes a role in this workspace only", async () => {
    const person = await addMember(steward.db, organisationId, `changing-${unique()}@acme.example`, 'member', [
      { workspaceId: chapter, role: 'member' },
      { workspaceId: otherChapter, role: 'member' },
    ]);
    ok(await call(chapterAdmin.agent, 'team.setRole', { workspaceId: chapter, userId: person.id, role: 'viewer' }));
    expect(new Map(await rolesOf(person.id) as [string, string][])).toEqual(new Map([[chapter, 'viewer'], [otherChapter, 'member']]));
    const [entry] = await steward.db.selectFrom('audit_log').select(['workspace_id', 'before', 'after']).where('action', '=', 'team.setRole').where('target_id', '=', person.id).execute();
    expect(entry).toEqual({ workspace_id: chapter, before: { role: 'member' }, after: { role: 'viewer' } });
  });

  it('removes someone from this workspace only: their organisation membership and other roles stay, their contacts here are unassigned', async () => {
    const person = await addMember(steward.db, organisationId, `leaving-${unique()}@acme.example`, 'member', [
      { workspaceId: chapter, role: 'member' },
      { workspaceId: otherChapter, role: 'member' },
    ]);
    await insertContacts(steward.db, organisationId, chapter, 7, person.id);
    await insertContacts(steward.db, organisationId, otherChapter, 3, person.id);
    const removed = ok(await call<{ unassignedContacts: number }>(chapterAdmin.agent, 'team.remove', { workspaceId: chapter, userId: person.id }));
    expect(removed.unassignedContacts).toBe(7);
    expect(await rolesOf(person.id)).toEqual([[otherChapter, 'member']]);
    expect(await steward.db.selectFrom('memberships').select('org_role').where('user_id', '=', person.id).executeTakeFirst()).toEqual({ org_role: 'member' });
    const assigned = await steward.db.selectFrom('contact_workspaces').select(['workspace_id']).where('assignee_user_id', '=', person.id).execute();
    expect(assigned).toHaveLength(3);
    expect(assigned.every((a) => a.workspace_id === otherChapter)).toBe(true);
    expect((await team()).members.some((m) => m.userId === person.id)).toBe(false);
  });

  it('refuses to change or remove the admin themself, and people whose access only comes from their global role', async () => {
    expect((await call(chapterAdmin.agent, 'team.setRole', { workspaceId: chapter, userId: chapterAdmin.id, role: 'viewer' })).error?.message).toBe(
      'You cannot change the role of yourself. Ask another admin of this workspace.',
    );
    expect((await call(chapterAdmin.agent, 'team.remove', { workspaceId: chapter, userId: chapterAdmin.id })).error?.data.code).toBe('BAD_REQUEST');
    const global = await addMember(steward.db, organisationId, `g-${unique()}@acme.example`, 'member', [{ workspaceId: steward.org.globalWorkspaceId, role: 'member' }]);
    const refused = await call(chapterAdmin.agent, 'team.remove', { workspaceId: chapter, userId: global.id });
    expect(refused.error?.data.code).toBe('NOT_FOUND');
    expect(await rolesOf(global.id)).toEqual([[steward.org.globalWorkspaceId, 'member']]);
  });
});

describe('a workspace admin', () => {
  it('never changes organisation roles or invites with another organisation role', async () => {
    const person = await addMember(steward.db, organisationId, `plain-${unique()}@acme.example`, 'member', [{ workspaceId: chapter, role: 'member' }]);
    expect((await call(chapterAdmin.agent, 'users.changeOrgRole', { organisationId, userId: person.id, orgRole: 'admin' })).error?.data.code).toBe('FORBIDDEN');
    expect((await call(chapterAdmin.agent, 'users.setWorkspaceRoles', { organisationId, userId: person.id, workspaces: [] })).error?.data.code).toBe('FORBIDDEN');
    expect((await call(chapterAdmin.agent, 'invitations.create', { organisationId, email: `x-${unique()}@example.org`, orgRole: 'admin' })).error?.data.code).toBe('FORBIDDEN');
    // team.invite has no organisation role to choose: the invitee is always a member.
    const invited = ok(await call<{ invitationId: string }>(chapterAdmin.agent, 'team.invite', { workspaceId: chapter, email: `y-${unique()}@example.org`, orgRole: 'admin', role: 'admin' }));
    expect((await steward.db.selectFrom('invitations').select('org_role').where('id', '=', invited.invitationId).executeTakeFirstOrThrow()).org_role).toBe('member');
  });

  it("cannot reach another workspace's team, even one they can view, nor another organisation's", async () => {
    const person = await addMember(steward.db, organisationId, `other-${unique()}@acme.example`, 'member', [{ workspaceId: otherChapter, role: 'member' }]);
    expect((await call(chapterAdmin.agent, 'team.list', { workspaceId: otherChapter }, 'query')).error?.data.code).toBe('FORBIDDEN');
    expect((await call(chapterAdmin.agent, 'team.setRole', { workspaceId: otherChapter, userId: person.id, role: 'viewer' })).error?.data.code).toBe('FORBIDDEN');
    expect((await call(chapterAdmin.agent, 'team.remove', { workspaceId: otherChapter, userId: person.id })).error?.data.code).toBe('FORBIDDEN');
    expect((await call(chapterAdmin.agent, 'team.invite', { workspaceId: otherChapter, email: `z-${unique()}@example.org` })).error?.data.code).toBe('FORBIDDEN');
    // Naming someone of another workspace in their own workspace's call changes nothing.
    expect((await call(chapterAdmin.agent, 'team.setRole', { workspaceId: chapter, userId: person.id, role: 'admin' })).error?.data.code).toBe('NOT_FOUND');
    expect(await rolesOf(person.id)).toEqual([[otherChapter, 'member']]);

    const other = await seedOrganisation(steward.app, `Other ${unique()}`);
    expect((await call(chapterAdmin.agent, 'team.list', { workspaceId: other.chapterWorkspaceId }, 'query')).error?.data.code).toBe('NOT_FOUND');
    expect((await call(other.admin.agent, 'team.remove', { workspaceId: chapter, userId: person.id })).error?.data.code).toBe('NOT_FOUND');
  });

  it('loses the team at once when demoted (checked again under the organisation lock)', async () => {
    const workspaceId = await newChapter();
    const temporary = await addSignedInMember(steward.app, organisationId, `temp-${unique()}@acme.example`, 'member', [{ workspaceId, role: 'admin' }]);
    const person = await addMember(steward.db, organisationId, `p-${unique()}@acme.example`, 'member', [{ workspaceId, role: 'member' }]);
    ok(await call(steward.org.admin.agent, 'team.setRole', { workspaceId, userId: temporary.id, role: 'member' }));
    expect((await call(temporary.agent, 'team.remove', { workspaceId, userId: person.id })).error?.data.code).toBe('FORBIDDEN');
  });
});
