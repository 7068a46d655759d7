import { randomBytes } from 'node:crypto';
import type { OrgRole, WorkspaceRole } from '@steward/db';
import { beforeAll, describe, expect, it } from 'vitest';
import { addSignedInMember, seedOrganisation, useStewardApp, type SeededOrganisation, type SeededUser } from '@steward/test-kit';
import { type Access, orgRoleCan, workspaceRoleCan } from '../src/access/matrix.js';
import { effectiveWorkspaceRole } from '../src/access/roles.js';
import { appRouter } from '../src/router.js';
import { procedureSamples } from './procedure-samples.js';

/**
 * SPEC §2 as a test: every organisation- and workspace-scoped procedure, called by every kind of
 * caller, succeeds exactly when the matrix in access/matrix.ts says so, answers FORBIDDEN
 * otherwise, and NOT_FOUND to a caller from another organisation.
 */

const SAMPLES = procedureSamples(() => steward.app);

interface ProcedureDef {
  _def: { type: 'query' | 'mutation'; meta?: { access?: Access } };
}
const procedures = (appRouter as unknown as { _def: { procedures: Record<string, ProcedureDef> } })._def.procedures;

/** Procedures that are deliberately not organisation- or workspace-scoped, and why. */
const UNSCOPED: Record<string, string> = {
  me: 'the caller themself',
  'organisations.create': 'anyone signed in may create an organisation, and becomes its admin',
  'invitations.preview': 'the invitee is not a member yet; the token is the authority',
  'invitations.accept': 'the invitee is not a member yet; the token is the authority',
};

interface Actor {
  name: string;
  orgRole: OrgRole;
  /** Role in the workspace the procedure targets. */
  workspaceRole?: WorkspaceRole;
  /** Role in the organisation's global workspace. */
  globalRole?: WorkspaceRole;
  outsider?: boolean;
}

const ACTORS: Actor[] = [
  { name: 'organisation admin', orgRole: 'admin' },
  { name: 'billing admin', orgRole: 'billing_admin' },
  { name: 'user admin', orgRole: 'user_admin' },
  { name: 'member, workspace viewer', orgRole: 'member', workspaceRole: 'viewer' },
  { name: 'member, workspace member', orgRole: 'member', workspaceRole: 'member' },
  { name: 'member, workspace admin', orgRole: 'member', workspaceRole: 'admin' },
  { name: 'member, global viewer', orgRole: 'member', globalRole: 'viewer' },
  { name: 'member, global admin', orgRole: 'member', globalRole: 'admin' },
  { name: 'member without workspace roles', orgRole: 'member' },
  { name: 'admin of another organisation', orgRole: 'admin', outsider: true },
];

// Billing procedures go through the Stripe stand-in.
const steward = useStewardApp({ workers: false, fakeStripe: true });
let home: SeededOrganisation;
let other: SeededOrganisation;

async function newChapter(organisationId: string) {
  const slug = `ws-${randomBytes(4).toString('hex')}`;
  return (await steward.app.db.insertInto('workspaces').values({ organisation_id: organisationId, kind: 'chapter', name: slug, slug }).returning('id').executeTakeFirstOrThrow()).id;
}

/**
 * Object-level rules on top of the matrix: finding a workspace by slug is open to every member,
 * but without the organisation-wide view only a workspace one has a role in can be found.
 */
const OBJECT_LEVEL: Record<string, (actor: Actor) => 'NOT_FOUND' | undefined> = {
  'workspaces.bySlug': (actor) => {
    const seesAll = orgRoleCan(actor.orgRole, 'organisation.view');
    const hasRole = effectiveWorkspaceRole({ orgRole: actor.orgRole, globalRole: actor.globalRole ?? null, workspaceRole: actor.workspaceRole ?? null }) !== null;
    return seesAll || hasRole ? undefined : 'NOT_FOUND';
  },
};

function expectedOutcome(path: string, access: Access, actor: Actor): 'success' | 'FORBIDDEN' | 'NOT_FOUND' {
  if (actor.outsider) return 'NOT_FOUND';
  const objectLevel = OBJECT_LEVEL[path]?.(actor);
  if (access.scope === 'organisation') return orgRoleCan(actor.orgRole, access.permission) ? (objectLevel ?? 'success') : 'FORBIDDEN';
  const role = effectiveWorkspaceRole({ orgRole: actor.orgRole, globalRole: actor.globalRole ?? null, workspaceRole: actor.workspaceRole ?? null });
  const allowed = (access.permission !== undefined && workspaceRoleCan(role, access.permission)) || (access.orOrg !== undefined && orgRoleCan(actor.orgRole, access.orOrg));
  return allowed ? 'success' : 'FORBIDDEN';
}

const actorUsers = new Map<string, SeededUser>();

beforeAll(async () => {
  home = await seedOrganisation(steward.app, 'Home');
  other = await seedOrganisation(steward.app, 'Other');
  for (const actor of ACTORS) {
    if (actor.outsider) {
      actorUsers.set(actor.name, other.admin);
      continue;
    }
    const globalRoles = actor.globalRole ? [{ workspaceId: home.globalWorkspaceId, role: actor.globalRole }] : [];
    actorUsers.set(actor.name, await addSignedInMember(steward.app, home.organisationId, `${actor.name.replace(/\W+/g, '-')}@home.example`, actor.orgRole, globalRoles));
  }
});

/** Puts an actor's roles back after a call that may have ended them (users.leave). */
async function restoreRoles(actor: Actor, userId: string) {
  if (actor.outsider) return;
  await steward.app.db
    .insertInto('memberships')
    .values({ organisation_id: home.organisationId, user_id: userId, org_role: actor.orgRole })
    .onConflict((oc) => oc.columns(['organisation_id', 'user_id']).doNothing())
    .execute();
  if (actor.globalRole) {
    await steward.app.db
      .insertInto('workspace_memberships')
      .values({ workspace_id: home.globalWorkspaceId, user_id: userId, organisation_id: home.organisationId, role: actor.globalRole })
      .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doNothing())
      .execute();
  }
}

describe('the authorisation matrix', () => {
  const scoped = Object.entries(procedures).filter(([path]) => !(path in UNSCOPED));

  it('has an access declaration and a sample call for every procedure that is not deliberately unscoped', () => {
    const undeclared = scoped.filter(([, p]) => !p._def.meta?.access).map(([path]) => path);
    expect(undeclared, 'procedures without orgProcedure/workspaceProcedure').toEqual([]);
    const unsampled = scoped.filter(([path]) => !(path in SAMPLES)).map(([path]) => path);
    expect(unsampled, 'procedures missing from SAMPLES in this test').toEqual([]);
  });

  for (const [path, procedure] of scoped) {
    describe(path, () => {
      for (const actor of ACTORS) {
        const access = procedure._def.meta?.access;
        if (!access) continue;
        const expected = expectedOutcome(path, access, actor);
        it(`${actor.name}: ${expected}`, async () => {
          const organisationId = home.organisationId;
          const workspaceId = await newChapter(organisationId);
          const user = actorUsers.get(actor.name)!;
          if (actor.workspaceRole && !actor.outsider) {
            await steward.app.db.insertInto('workspace_memberships').values({ workspace_id: workspaceId, user_id: user.id, organisation_id: organisationId, role: actor.workspaceRole }).execute();
          }
          const input = await SAMPLES[path]!({ organisationId, workspaceId, caller: user, admin: home.admin });
          const result = await user.agent.trpc(path, input, procedure._def.type);
          await restoreRoles(actor, user.id);
          if (expected === 'success') {
            expect(result.error, result.text).toBeNull();
            expect(result.status).toBe(200);
          } else {
            expect(result.error?.data.code, result.text).toBe(expected);
          }
        });
      }
    });
  }
});
