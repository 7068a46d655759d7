import { type Database, type Db, sql, type Transaction } from '@steward/db';
import { AppError, isUniqueViolation, notFound } from '../../errors.js';
import { type Actor, recordAudit } from '../audit/record.js';

/**
 * Email categories of a workspace (SPEC §3, seed 000): the kinds of email its contacts can
 * subscribe to. A category that anyone's consent has named (a choice now, or in the history) is
 * never deleted, only archived, so the history keeps meaning what it said; one nobody ever chose
 * can be deleted. A campaign of the category counts as a use too.
 */

export interface CategoryPlace {
  organisationId: string;
  workspaceId: string;
}

const inUse = sql<boolean>`(exists (select 1 from contact_categories cc where cc.category_id = ec.id) or exists (select 1 from consent_history h where h.category_id = ec.id) or exists (select 1 from campaigns k where k.category_id = ec.id))`;

function categoriesOf(db: Db | Transaction<Database>, place: CategoryPlace) {
  return db
    .selectFrom('email_categories as ec')
    .select([
      'ec.id',
      'ec.workspace_id as workspaceId',
      'ec.name',
      'ec.description',
      'ec.subscribed_by_default as subscribedByDefault',
      'ec.position',
      'ec.archived_at as archivedAt',
      'ec.created_at as createdAt',
      'ec.updated_at as updatedAt',
      inUse.as('inUse'),
    ])
    .where('ec.workspace_id', '=', place.workspaceId)
    .where('ec.organisation_id', '=', place.organisationId);
}

type CategoryRow = Awaited<ReturnType<ReturnType<typeof categoriesOf>['execute']>>[number];
const toCategory = (row: CategoryRow) => ({ ...row, archived: row.archivedAt !== null });

/** Every category of the workspace in its order, archived ones included (flagged). */
export async function listCategories(db: Db | Transaction<Database>, place: CategoryPlace) {
  return (await categoriesOf(db, place).orderBy('ec.position').orderBy('ec.name').execute()).map(toCategory);
}

async function readCategory(db: Db | Transaction<Database>, place: CategoryPlace, categoryId: string) {
  const row = await categoriesOf(db, place).where('ec.id', '=', categoryId).executeTakeFirst();
  if (!row) throw notFound('Email category');
  return toCategory(row);
}

export async function getCategory(db: Db, place: CategoryPlace, categoryId: string) {
  return readCategory(db, place, categoryId);
}

/** Locks the category for a change; NOT_FOUND outside the workspace. */
async function lockCategory(trx: Transaction<Database>, place: CategoryPlace, categoryId: string) {
  const row = await trx
    .selectFrom('email_categories')
    .select('id')
    .where('id', '=', categoryId)
    .where('workspace_id', '=', place.workspaceId)
    .where('organisation_id', '=', place.organisationId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('Email category');
}

async function withNameConflicts<T>(name: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error, 'email_categories_workspace_name_key')) {
      throw new AppError('CONFLICT', `This workspace already has a category named '${name}' (perhaps archived). Choose another name, or restore that one.`);
    }
    throw error;
  }
}

const audited = (category: ReturnType<typeof toCategory>) => ({
  name: category.name,
  description: category.description,
  subscribedByDefault: category.subscribedByDefault,
  position: category.position,
  archived: category.archived,
});

export async function createCategory(db: Db, actor: Actor, userId: string, place: CategoryPlace, input: { name: string; description?: string | null; subscribedByDefault: boolean }) {
  return withNameConflicts(input.name, () =>
    db.transaction().execute(async (trx) => {
      const { id } = await trx
        .insertInto('email_categories')
        .values({
          organisation_id: place.organisationId,
          workspace_id: place.workspaceId,
          name: input.name,
          description: input.description || null,
          subscribed_by_default: input.subscribedByDefault,
          // Last in the list; two concurrent creations may share a position, which reordering mends.
          position: sql<number>`(select coalesce(max(position) + 1, 0) from email_categories where workspace_id = ${place.workspaceId}::uuid)`,
          created_by: userId,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const created = await readCategory(trx, place, id);
      await recordAudit(trx, actor, { ...auditPlace(place), action: 'emailCategories.create', targetType: 'email_category', targetId: id, after: audited(created) });
      return created;
    }),
  );
}

const auditPlace = (place: CategoryPlace) => ({ organisationId: place.organisationId, workspaceId: place.workspaceId });

export async function updateCategory(db: Db, actor: Actor, place: CategoryPlace, categoryId: string, changes: { name?: string; description?: string | null; subscribedByDefault?: boolean }) {
  return withNameConflicts(changes.name, () =>
    db.transaction().execute(async (trx) => {
      await lockCategory(trx, place, categoryId);
      const before = await readCategory(trx, place, categoryId);
      await trx
        .updateTable('email_categories')
        .set({
          ...(changes.name !== undefined && { name: changes.name }),
          ...(changes.description !== undefined && { description: changes.description || null }),
          ...(changes.subscribedByDefault !== undefined && { subscribed_by_default: changes.subscribedByDefault }),
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', categoryId)
        .execute();
      const after = await readCategory(trx, place, categoryId);
      await recordAudit(trx, actor, { ...auditPlace(place), action: 'emailCategories.update', targetType: 'email_category', targetId: categoryId, before: audited(before), after: audited(after) });
      return after;
    }),
  );
}

/** Sets the order of categories in one statement; those not listed keep their position. */
export async function reorderCategories(db: Db, actor: Actor, place: CategoryPlace, categoryIds: string[]) {
  return db.transaction().execute(async (trx) => {
    const found = await trx
      .selectFrom('email_categories')
      .select(['id', 'position'])
      .where('workspace_id', '=', place.workspaceId)
      .where('organisation_id', '=', place.organisationId)
      .where('id', 'in', categoryIds)
      .forUpdate()
      .execute();
    if (found.length !== categoryIds.length) throw notFound('Email category');
    await sql`
      update email_categories ec set position = o.position - 1, updated_at = now()
      from unnest(${categoryIds}::uuid[]) with ordinality as o(id, position)
      where ec.id = o.id`.execute(trx);
    await recordAudit(trx, actor, {
      ...auditPlace(place),
      action: 'emailCategories.reorder',
      targetType: 'email_category',
      before: { order: found.map((f) => ({ id: f.id, position: f.position })) },
      after: { categoryIds },
    });
    return listCategories(trx, place);
  });
}

/** Archives (`archived` true) or restores a category; an archived one keeps everyone's choices. */
export async function setCategoryArchived(db: Db, actor: Actor, place: CategoryPlace, categoryId: string, archived: boolean) {
  return db.transaction().execute(async (trx) => {
    await lockCategory(trx, place, categoryId);
    const before = await readCategory(trx, place, categoryId);
    if (before.archived === archived) return before;
    await trx
      .updateTable('email_categories')
      .set({ archived_at: archived ? sql<Date>`now()` : null, updated_at: sql<Date>`now()` })
      .where('id', '=', categoryId)
      .execute();
    const after = await readCategory(trx, place, categoryId);
    await recordAudit(trx, actor, {
      ...auditPlace(place),
      action: archived ? 'emailCategories.archive' : 'emailCategories.restore',
      targetType: 'email_category',
      targetId: categoryId,
      before: audited(before),
      after: audited(after),
    });
    return after;
  });
}

/**
 * Deletes a category nobody's consent ever named. The row lock makes it safe against a choice
 * being recorded meanwhile: that insert's foreign key check waits for the lock, then fails.
 */
export async function deleteCategory(db: Db, actor: Actor, place: CategoryPlace, categoryId: string) {
  return db.transaction().execute(async (trx) => {
    await lockCategory(trx, place, categoryId);
    const category = await readCategory(trx, place, categoryId);
    if (category.inUse) {
      throw new AppError('CONFLICT', `'${category.name}' has been chosen or refused by contacts, or used by a campaign, so it cannot be deleted. Archive it instead: their choices and the campaigns stay on record.`);
    }
    await trx.deleteFrom('email_categories').where('id', '=', categoryId).execute();
    await recordAudit(trx, actor, { ...auditPlace(place), action: 'emailCategories.delete', targetType: 'email_category', targetId: categoryId, before: audited(category) });
    return { categoryId, deleted: true as const };
  });
}
