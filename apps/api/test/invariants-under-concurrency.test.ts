import { describe, expect, it } from 'vitest';
import { actorFor, addMember, addSignedInMember, useStewardApp } from '@steward/test-kit';
import { createOrganisation } from '../src/areas/organisations/bootstrap.js';
import { inviteUser, sendInvitationEmail } from '../src/areas/users/invitations.js';

const REPETITIONS = 50;

const steward = useStewardApp({ workers: false });

async function organisationWithTwoAdmins(n: number) {
  const { organisationId } = await createOrganisation(steward.app.db, { name: `Race ${n}`, adminEmail: `nobody-${n}@race.example` });
  const a = await addSignedInMember(steward.app, organisationId, `a-${n}@race.example`, 'admin');
  const b = await addSignedInMember(steward.app, organisationId, `b-${n}@race.example`, 'admin');
  return { organisationId, a, b };
}

async function adminCount(organisationId: string) {
  const rows = await steward.app.db.selectFrom('memberships').select('user_id').where('organisation_id', '=', organisationId).where('org_role', '=', 'admin').execute();
  return rows.length;
}

describe(`invariants under concurrent requests (${REPETITIONS} repetitions each)`, () => {
  it('two admins demoting each other at once always leave one admin', async () => {
    for (let n = 0; n < REPETITIONS; n++) {
      const { organisationId, a, b } = await organisationWithTwoAdmins(n);
      const [first, second] = await Promise.all([
        a.agent.trpc('users.changeOrgRole', { organisationId, userId: b.id, orgRole: 'member' }, 'mutation'),
        b.agent.trpc('users.changeOrgRole', { organisationId, userId: a.id, orgRole: 'member' }, 'mutation'),
      ]);
      expect(await adminCount(organisationId)).toBe(1);
      const failures = [first, second].filter((r) => r.error);
      expect(failures).toHaveLength(1);
      expect(['CONFLICT', 'FORBIDDEN']).toContain(failures[0]!.error!.data.code);
    }
  }, 120_000);

  it('two admins removing each other at once always leave one admin', async () => {
    for (let n = 0; n < REPETITIONS; n++) {
      const { organisationId, a, b } = await organisationWithTwoAdmins(1000 + n);
      await Promise.all([
        a.agent.trpc('users.remove', { organisationId, userId: b.id }, 'mutation'),
        b.agent.trpc('users.remove', { organisationId, userId: a.id }, 'mutation'),
      ]);
      expect(await adminCount(organisationId)).toBe(1);
    }
  }, 120_000);

  it('one invitation accepted twice at once makes one membership, and the second acceptance is refused', async () => {
    const { organisationId } = await createOrganisation(steward.app.db, { name: 'Accept race', adminEmail: 'owner@accept.example' });
    const owner = await addMember(steward.app.db, organisationId, 'owner@accept.example', 'admin');
    for (let n = 0; n < REPETITIONS; n++) {
      const email = `invitee-${n}@accept.example`;
      const invitation = await inviteUser(steward.app, actorFor(owner), organisationId, { email, orgRole: 'member', workspaces: [] });
      await sendInvitationEmail(steward.app, { invitationId: invitation.id, retryCount: 0, retryLimit: 0 });
      const message = await steward.app.db.selectFrom('dev_outbox').select('text').where('to_email', '=', email).executeTakeFirstOrThrow();
      const token = new URL(/https?:\/\/\S+/.exec(message.text)![0]).searchParams.get('token')!;
      const [tab1, tab2] = [await steward.app.signIn(email), await steward.app.signIn(email)];
      const results = await Promise.all([tab1.trpc('invitations.accept', { token }, 'mutation'), tab2.trpc('invitations.accept', { token }, 'mutation')]);
      expect(results.filter((r) => r.error === null)).toHaveLength(1);
      expect(results.find((r) => r.error)?.error?.data.code).toBe('CONFLICT');
      const memberships = await steward.app.db
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select('users.email')
        .where('memberships.organisation_id', '=', organisationId)
        .where('users.email', '=', email)
        .execute();
      expect(memberships).toHaveLength(1);
    }
  }, 120_000);

  it('two concurrent invitations of one address create one pending invitation and a clear conflict', async () => {
    const { organisationId, a, b } = await organisationWithTwoAdmins(5000);
    for (let n = 0; n < REPETITIONS; n++) {
      const email = `same-${n}@invite.example`;
      const results = await Promise.all([
        a.agent.trpc('invitations.create', { organisationId, email, orgRole: 'member' }, 'mutation'),
        b.agent.trpc('invitations.create', { organisationId, email, orgRole: 'member' }, 'mutation'),
      ]);
      expect(results.filter((r) => r.error === null)).toHaveLength(1);
      const refused = results.find((r) => r.error)!;
      expect(refused.error!.data.code).toBe('CONFLICT');
      expect(refused.error!.message).toContain('already has a pending invitation');
      const pending = await steward.app.db.selectFrom('invitations').select('id').where('organisation_id', '=', organisationId).where('email', '=', email).execute();
      expect(pending).toHaveLength(1);
    }
  }, 120_000);
});
