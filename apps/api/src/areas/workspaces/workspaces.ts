import { type Db, type LogoContentType, sql } from '@steward/db';
import { AppError, notFound, isUniqueViolation } from '../../errors.js';
import { MAX_LOGO_BYTES } from './schemas.js';
import { type Actor, recordAudit } from '../audit/record.js';
import { enforceLimit } from '../billing/limits.js';

const workspaceColumns = [
  'id',
  'organisation_id as organisationId',
  'kind',
  'name',
  'slug',
  'default_language as defaultLanguage',
  'timezone',
  'date_format as dateFormat',
  'logo_content_type as logoContentType',
  'logo_updated_at as logoUpdatedAt',
  'created_at as createdAt',
  'email_sender_name as emailSenderName',
] as const;

const slugTaken = (slug: string) => new AppError('CONFLICT', `A workspace with the slug '${slug}' already exists.`);

export async function listWorkspaces(db: Db, organisationId: string) {
  const rows = await db
    .selectFrom('workspaces')
    .select(workspaceColumns)
    .select((eb) => [
      eb.selectFrom('contact_workspaces').select((c) => c.fn.countAll<number>().as('n')).whereRef('contact_workspaces.workspace_id', '=', 'workspaces.id').as('contactCount'),
      eb.selectFrom('workspace_memberships').select((c) => c.fn.countAll<number>().as('n')).whereRef('workspace_memberships.workspace_id', '=', 'workspaces.id').as('memberCount'),
    ])
    .where('organisation_id', '=', organisationId)
    .orderBy('kind', 'desc')
    .orderBy('name')
    .execute();
  return rows.map((row) => ({ ...row, contactCount: row.contactCount ?? 0, memberCount: row.memberCount ?? 0 }));
}

export async function getWorkspace(db: Db, workspaceId: string) {
  const workspace = await db.selectFrom('workspaces').select(workspaceColumns).where('id', '=', workspaceId).executeTakeFirst();
  if (!workspace) throw notFound('Workspace');
  return workspace;
}

/** Finds a workspace by its slug, or by a slug it had before a rename (`redirectedFrom`). */
export async function findWorkspaceBySlug(db: Db, organisationId: string, slug: string) {
  const current = await db.selectFrom('workspaces').select(workspaceColumns).where('organisation_id', '=', organisationId).where('slug', '=', slug).executeTakeFirst();
  if (current) return { workspace: current, redirectedFrom: null };
  const redirect = await db
    .selectFrom('workspace_slug_redirects as r')
    .innerJoin('workspaces', 'workspaces.id', 'r.workspace_id')
    .select(workspaceColumns.map((c) => `workspaces.${c}` as const))
    .where('r.organisation_id', '=', organisationId)
    .where('r.slug', '=', slug)
    .executeTakeFirst();
  if (!redirect) throw notFound('Workspace');
  return { workspace: redirect, redirectedFrom: slug };
}

export async function createWorkspace(db: Db, actor: Actor, organisationId: string, input: { name: string; slug: string; defaultLanguage: string }) {
  try {
    return await db.transaction().execute(async (trx) => {
      await enforceLimit(trx, organisationId, 'workspaces', 1);
      // A new workspace may take a slug another workspace used to have; the old redirect ends.
      await trx.deleteFrom('workspace_slug_redirects').where('organisation_id', '=', organisationId).where('slug', '=', input.slug).execute();
      const created = await trx
        .insertInto('workspaces')
        .values({ organisation_id: organisationId, kind: 'chapter', name: input.name, slug: input.slug, default_language: input.defaultLanguage })
        .returning(workspaceColumns)
        .executeTakeFirstOrThrow();
      await recordAudit(trx, actor, { organisationId, workspaceId: created.id, action: 'workspaces.create', targetType: 'workspace', targetId: created.id, after: created });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'workspaces_organisation_slug_key')) throw slugTaken(input.slug);
    throw error;
  }
}

export async function updateWorkspace(
  db: Db,
  actor: Actor,
  workspaceId: string,
  input: { name?: string; slug?: string; defaultLanguage?: string; timezone?: string; dateFormat?: 'DD/MM/YYYY' | 'MM/DD/YYYY'; emailSenderName?: string | null },
) {
  try {
    return await db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('workspaces').select(workspaceColumns).where('id', '=', workspaceId).forUpdate().executeTakeFirst();
      if (!before) throw notFound('Workspace');
      if (input.slug && input.slug !== before.slug) {
        await trx.deleteFrom('workspace_slug_redirects').where('organisation_id', '=', before.organisationId).where('slug', '=', input.slug).execute();
        await trx
          .insertInto('workspace_slug_redirects')
          .values({ organisation_id: before.organisationId, slug: before.slug, workspace_id: workspaceId })
          .onConflict((oc) => oc.columns(['organisation_id', 'slug']).doUpdateSet({ workspace_id: workspaceId }))
          .execute();
      }
      const after = await trx
        .updateTable('workspaces')
        .set({
          name: input.name,
          slug: input.slug,
          default_language: input.defaultLanguage,
          timezone: input.timezone,
          date_format: input.dateFormat,
          email_sender_name: input.emailSenderName === undefined ? undefined : input.emailSenderName || null,
        })
        .where('id', '=', workspaceId)
        .returning(workspaceColumns)
        .executeTakeFirstOrThrow();
      await recordAudit(trx, actor, { organisationId: before.organisationId, workspaceId, action: 'workspaces.update', targetType: 'workspace', targetId: workspaceId, before, after });
      return { before, after };
    });
  } catch (error) {
    if (isUniqueViolation(error, 'workspaces_organisation_slug_key')) throw slugTaken(input.slug!);
    throw error;
  }
}

export function sniffImage(bytes: Buffer): LogoContentType | null {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  const head = bytes.subarray(0, 1024).toString('utf8').trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(head)) return 'image/svg+xml';
  return null;
}

/** Stores a logo after checking that the bytes are what the declared type says. */
export async function setWorkspaceLogo(db: Db, actor: Actor, workspaceId: string, input: { contentType: LogoContentType; data: string }) {
  const bytes = Buffer.from(input.data, 'base64');
  if (bytes.length === 0) throw new AppError('BAD_REQUEST', 'The logo file is empty.');
  if (bytes.length > MAX_LOGO_BYTES) throw new AppError('BAD_REQUEST', 'A logo can be at most 512 KB.');
  const actual = sniffImage(bytes);
  if (actual !== input.contentType) throw new AppError('BAD_REQUEST', 'The logo must be a PNG, JPEG or SVG file, and its content must match its type.');
  return db.transaction().execute(async (trx) => {
    const { organisation_id } = await trx
      .updateTable('workspaces')
      .set({ logo: bytes, logo_content_type: actual, logo_updated_at: sql`now()` })
      .where('id', '=', workspaceId)
      .returning('organisation_id')
      .executeTakeFirstOrThrow();
    const after = { contentType: actual, bytes: bytes.length };
    await recordAudit(trx, actor, { organisationId: organisation_id, workspaceId, action: 'workspaces.setLogo', targetType: 'workspace', targetId: workspaceId, after });
    return after;
  });
}

export async function removeWorkspaceLogo(db: Db, actor: Actor, workspaceId: string) {
  await db.transaction().execute(async (trx) => {
    const { organisation_id } = await trx
      .updateTable('workspaces')
      .set({ logo: null, logo_content_type: null, logo_updated_at: null })
      .where('id', '=', workspaceId)
      .returning('organisation_id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, actor, { organisationId: organisation_id, workspaceId, action: 'workspaces.removeLogo', targetType: 'workspace', targetId: workspaceId });
  });
  return { removed: true };
}

/** Logo bytes for a member of the workspace's organisation; null when there is none or no access. */
export async function readWorkspaceLogo(db: Db, workspaceId: string, userId: string) {
  return db
    .selectFrom('workspaces as w')
    .innerJoin('memberships as m', (j) => j.onRef('m.organisation_id', '=', 'w.organisation_id').on('m.user_id', '=', userId))
    // Not while the organisation is scheduled for deletion (its members have lost access).
    .innerJoin('organisations as o', (j) => j.onRef('o.id', '=', 'w.organisation_id').on('o.deletion_requested_at', 'is', null))
    .select(['w.logo', 'w.logo_content_type'])
    .where('w.id', '=', workspaceId)
    .where('w.logo', 'is not', null)
    .executeTakeFirst();
}

/** What deleting a workspace will touch, for the confirmation dialog. */
export async function previewWorkspaceDeletion(db: Db, workspaceId: string) {
  const row = await db
    .selectFrom('workspaces as w')
    .select((eb) => [
      'w.name',
      'w.slug',
      'w.kind',
      eb.selectFrom('contact_workspaces').select((c) => c.fn.countAll<number>().as('n')).whereRef('contact_workspaces.workspace_id', '=', 'w.id').as('contacts'),
      eb.selectFrom('workspace_memberships').select((c) => c.fn.countAll<number>().as('n')).whereRef('workspace_memberships.workspace_id', '=', 'w.id').as('members'),
      eb.selectFrom('companies').select((c) => c.fn.countAll<number>().as('n')).whereRef('companies.workspace_id', '=', 'w.id').as('companies'),
      eb.selectFrom('deals').select((c) => c.fn.countAll<number>().as('n')).whereRef('deals.workspace_id', '=', 'w.id').as('deals'),
    ])
    .where('w.id', '=', workspaceId)
    .executeTakeFirst();
  if (!row) throw notFound('Workspace');
  return {
    name: row.name,
    slug: row.slug,
    deletable: row.kind === 'chapter',
    contactsToMove: Number(row.contacts),
    membersLosingAccess: Number(row.members),
    /** Companies and deals belong to the workspace and go with it. */
    companiesToDelete: Number(row.companies),
    dealsToDelete: Number(row.deals),
  };
}

/**
 * Deletes a chapter workspace. Its contacts stay in the global workspace: one statement links
 * those not linked there yet, in the same transaction; the chapter's links go with it, and with
 * them its assignees and the values of its own fields. Its roles, redirects, fields, companies
 * and deals go too.
 */
export async function deleteWorkspace(db: Db, actor: Actor, workspaceId: string, confirmSlug: string) {
  return db.transaction().execute(async (trx) => {
    const workspace = await trx.selectFrom('workspaces').select(['id', 'organisation_id', 'kind', 'slug', 'name']).where('id', '=', workspaceId).forUpdate().executeTakeFirst();
    if (!workspace) throw notFound('Workspace');
    if (workspace.kind === 'global') throw new AppError('BAD_REQUEST', 'The global workspace cannot be deleted.');
    if (confirmSlug !== workspace.slug) throw new AppError('BAD_REQUEST', `To confirm, type the workspace's slug '${workspace.slug}'.`);
    const global = await trx
      .selectFrom('workspaces')
      .select('id')
      .where('organisation_id', '=', workspace.organisation_id)
      .where('kind', '=', 'global')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('contact_workspaces')
      .columns(['workspace_id', 'contact_id', 'organisation_id', 'created_by', 'created_at'])
      .expression((eb) =>
        eb
          .selectFrom('contact_workspaces')
          .select([sql<string>`${global.id}::uuid`.as('workspace_id'), 'contact_id', 'organisation_id', 'created_by', 'created_at'])
          .where('workspace_id', '=', workspaceId),
      )
      .onConflict((oc) => oc.columns(['workspace_id', 'contact_id']).doNothing())
      .execute();
    const unlinked = await trx.deleteFrom('contact_workspaces').where('workspace_id', '=', workspaceId).executeTakeFirst();
    await trx.deleteFrom('workspaces').where('id', '=', workspaceId).execute();
    const result = { workspaceId, name: workspace.name, slug: workspace.slug, movedContacts: Number(unlinked.numDeletedRows), movedTo: global.id };
    await recordAudit(trx, actor, {
      organisationId: workspace.organisation_id,
      workspaceId,
      action: 'workspaces.delete',
      targetType: 'workspace',
      targetId: workspaceId,
      before: { name: workspace.name, slug: workspace.slug },
      after: result,
    });
    return result;
  });
}
