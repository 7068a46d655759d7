import { createOrganisation } from '@steward/api';
import { type Db, type OrgRole, sql, type WorkspaceRole } from '@steward/db';
import type { TestApp } from './app.js';
import type { HttpAgent } from './http.js';

export interface SeededUser {
  id: string;
  email: string;
  agent: HttpAgent;
}

/** A user with the given roles, written directly to the database (never signed in). */
export async function addMember(
  db: Db,
  organisationId: string,
  email: string,
  orgRole: OrgRole,
  workspaceRoles: { workspaceId: string; role: WorkspaceRole }[] = [],
): Promise<{ id: string; email: string }> {
  const normalised = email.toLowerCase();
  const user = await db
    .insertInto('users')
    .values({ email: normalised, name: normalised.split('@')[0]! })
    .onConflict((oc) => oc.column('email').doUpdateSet({ email: normalised }))
    .returning('id')
    .executeTakeFirstOrThrow();
  await grantRoles(db, organisationId, user.id, orgRole, workspaceRoles);
  return { id: user.id, email: normalised };
}

/** Creates a user with the given roles directly in the database and signs them in. */
export async function addSignedInMember(
  app: TestApp,
  organisationId: string,
  email: string,
  orgRole: OrgRole,
  workspaceRoles: { workspaceId: string; role: WorkspaceRole }[] = [],
): Promise<SeededUser> {
  const agent = await app.signIn(email);
  const user = await app.db.selectFrom('users').select('id').where('email', '=', email.toLowerCase()).executeTakeFirstOrThrow();
  await grantRoles(app.db, organisationId, user.id, orgRole, workspaceRoles);
  return { id: user.id, email: email.toLowerCase(), agent };
}

async function grantRoles(db: Db, organisationId: string, userId: string, orgRole: OrgRole, workspaceRoles: { workspaceId: string; role: WorkspaceRole }[]) {
  await db.insertInto('memberships').values({ organisation_id: organisationId, user_id: userId, org_role: orgRole }).execute();
  if (workspaceRoles.length > 0) {
    await db
      .insertInto('workspace_memberships')
      .values(workspaceRoles.map((w) => ({ workspace_id: w.workspaceId, user_id: userId, organisation_id: organisationId, role: w.role })))
      .execute();
  }
}

export interface SeededOrganisation {
  organisationId: string;
  globalWorkspaceId: string;
  chapterWorkspaceId: string;
  admin: SeededUser;
}

/** An organisation with a chapter workspace and a signed-in admin. */
export async function seedOrganisation(app: TestApp, name: string): Promise<SeededOrganisation> {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const adminEmail = `admin@${slug}.example`;
  const { organisationId, globalWorkspaceId } = await createOrganisation(app.db, { name, adminEmail });
  const chapter = await app.db
    .insertInto('workspaces')
    .values({ organisation_id: organisationId, kind: 'chapter', name: `${name} Chapter`, slug: 'chapter' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const agent = await app.signIn(adminEmail);
  const admin = await app.db.selectFrom('users').select('id').where('email', '=', adminEmail).executeTakeFirstOrThrow();
  return { organisationId, globalWorkspaceId, chapterWorkspaceId: chapter.id, admin: { id: admin.id, email: adminEmail, agent } };
}

/**
 * Inserts `count` new people of the organisation linked to one workspace (assigned to
 * `assigneeId` there), in one statement. Emails are unique, so calls never collide.
 */
export async function insertContacts(db: Db, organisationId: string, workspaceId: string, count: number, assigneeId: string | null = null) {
  await sql`
    with people as (
      insert into contacts (organisation_id, first_name, last_name, email, created_in_workspace_id)
      select ${organisationId}::uuid, 'Contact', 'No. ' || n, 'contact-' || n || '-' || gen_random_uuid() || '@example.org', ${workspaceId}::uuid
      from generate_series(1, ${count}::int) as n
      returning id
    )
    insert into contact_workspaces (workspace_id, contact_id, organisation_id, assignee_user_id)
    select ${workspaceId}::uuid, id, ${organisationId}::uuid, ${assigneeId}::uuid from people`.execute(db);
}

/** The audit actor for calling area functions directly in tests, as that user through a session. */
export function actorFor(user: { id: string; email: string }) {
  return { userId: user.id, email: user.email, apiKeyId: null, requestId: null, ip: null };
}
