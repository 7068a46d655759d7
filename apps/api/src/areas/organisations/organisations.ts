import { type Db, sql } from '@steward/db';
import type { Config } from '../../config.js';
import type { JobQueue } from '../../email/jobs.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { type Actor, recordAudit } from '../audit/record.js';
import { ENTRY_PLAN, SELF_HOSTED_PLAN, setCancellation } from '../billing/billing.js';
import { sniffImage } from '../workspaces/workspaces.js';
import { MAX_LOGO_BYTES } from '../workspaces/schemas.js';
import { enqueuePurge } from './purge.js';

/** How long a deleted organisation can be restored before its purge. */
export const DELETION_GRACE_DAYS = 7;

/** How many organisations one person may create (a guard against runaway scripts, not a plan limit). */
const MAX_ORGANISATIONS_CREATED_PER_PERSON = 20;

/**
 * A new organisation made by a signed-in person, who becomes its admin, with its global
 * workspace. With a billing provider it starts on the entry plan; without one, on Self-hosted.
 */
export async function createOwnOrganisation(deps: { db: Db; config: Config }, actor: Actor, input: { name: string }) {
  return deps.db.transaction().execute(async (trx) => {
    // One person's creations queue here, so the guard below counts them all.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`steward-org-create:${actor.userId}`}, 0))`.execute(trx);
    const created = await trx
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('actor_user_id', '=', actor.userId)
      .where('action', '=', 'organisations.create')
      .executeTakeFirstOrThrow();
    if (Number(created.n) >= MAX_ORGANISATIONS_CREATED_PER_PERSON) {
      throw new AppError('PRECONDITION_FAILED', `One person can create at most ${MAX_ORGANISATIONS_CREATED_PER_PERSON} organisations. Ask for help if you need more.`);
    }
    const organisation = await trx
      .insertInto('organisations')
      .values({ name: input.name, plan_id: deps.config.billing ? ENTRY_PLAN : SELF_HOSTED_PLAN })
      .returning(['id', 'name'])
      .executeTakeFirstOrThrow();
    const workspace = await trx
      .insertInto('workspaces')
      .values({ organisation_id: organisation.id, kind: 'global', name: 'Global', slug: 'global' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('memberships').values({ organisation_id: organisation.id, user_id: actor.userId, org_role: 'admin' }).execute();
    await recordAudit(trx, actor, { organisationId: organisation.id, action: 'organisations.create', targetType: 'organisation', targetId: organisation.id, after: { name: organisation.name } });
    return { id: organisation.id, name: organisation.name, globalWorkspaceId: workspace.id };
  });
}

export async function getOrganisation(db: Db, organisationId: string) {
  const row = await db
    .selectFrom('organisations')
    .select(['id', 'name', 'logo', 'logo_content_type', 'billing_email', 'billing_address', 'tax_id', 'created_at', 'purge_after'])
    .where('id', '=', organisationId)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'Organisation not found.');
  return {
    id: row.id,
    name: row.name,
    logo: row.logo && row.logo_content_type ? { contentType: row.logo_content_type, dataUrl: `data:${row.logo_content_type};base64,${row.logo.toString('base64')}` } : null,
    billingEmail: row.billing_email,
    billingAddress: row.billing_address,
    taxId: row.tax_id,
    createdAt: row.created_at.toISOString(),
    deletionScheduledUntil: row.purge_after ? row.purge_after.toISOString() : null,
  };
}

function checkedLogo(logo: { contentType: 'image/png' | 'image/jpeg' | 'image/svg+xml'; data: string }) {
  const bytes = Buffer.from(logo.data, 'base64');
  if (bytes.length === 0) throw new AppError('BAD_REQUEST', 'The logo file is empty.');
  if (bytes.length > MAX_LOGO_BYTES) throw new AppError('BAD_REQUEST', 'A logo can be at most 512 KB.');
  if (sniffImage(bytes) !== logo.contentType) throw new AppError('BAD_REQUEST', 'The logo must be a PNG, JPEG or SVG file, and its content must match its type.');
  return bytes;
}

/** Name and logo (organisation admins). */
export async function updateOrganisation(
  db: Db,
  actor: Actor,
  organisationId: string,
  input: { name?: string; logo?: { contentType: 'image/png' | 'image/jpeg' | 'image/svg+xml'; data: string } | null },
) {
  const bytes = input.logo ? checkedLogo(input.logo) : input.logo;
  await db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('organisations').select(['name', 'logo_content_type']).where('id', '=', organisationId).forUpdate().executeTakeFirstOrThrow();
    await trx
      .updateTable('organisations')
      .set({
        ...(input.name !== undefined && { name: input.name }),
        ...(bytes !== undefined &&
          (bytes === null
            ? { logo: null, logo_content_type: null, logo_updated_at: null }
            : { logo: bytes, logo_content_type: input.logo!.contentType, logo_updated_at: sql<Date>`now()` })),
      })
      .where('id', '=', organisationId)
      .execute();
    await recordAudit(trx, actor, {
      organisationId,
      action: 'organisations.update',
      targetType: 'organisation',
      targetId: organisationId,
      before: { name: before.name, logo: before.logo_content_type },
      after: { ...(input.name !== undefined && { name: input.name }), ...(bytes !== undefined && { logo: bytes === null ? null : { contentType: input.logo!.contentType, bytes: bytes.length } }) },
    });
  });
  return getOrganisation(db, organisationId);
}

/** Billing email, address and tax id (admins and billing admins). */
export async function updateBillingDetails(db: Db, actor: Actor, organisationId: string, input: { billingEmail: string | null; billingAddress: string | null; taxId: string | null }) {
  const values = { billing_email: input.billingEmail || null, billing_address: input.billingAddress || null, tax_id: input.taxId || null };
  await db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('organisations').select(['billing_email', 'billing_address', 'tax_id']).where('id', '=', organisationId).forUpdate().executeTakeFirstOrThrow();
    await trx.updateTable('organisations').set(values).where('id', '=', organisationId).execute();
    await recordAudit(trx, actor, { organisationId, action: 'organisations.updateBillingDetails', targetType: 'organisation', targetId: organisationId, before, after: values });
  });
  return getOrganisation(db, organisationId);
}

export interface LifecycleDeps {
  db: Db;
  jobs: JobQueue;
  config: Config;
  logger: Logger;
}

/**
 * Schedules the organisation's purge in DELETION_GRACE_DAYS, after the admin typed its name. Its
 * members lose access at once (every access check skips an organisation scheduled for deletion);
 * its admins can restore it until then. A live subscription is cancelled at the end of its period.
 */
export async function scheduleDeletion(deps: LifecycleDeps, actor: Actor, organisationId: string, confirmName: string) {
  const scheduled = await deps.db.transaction().execute(async (trx) => {
    const org = await trx.selectFrom('organisations').select(['name', 'purge_after']).where('id', '=', organisationId).forUpdate().executeTakeFirstOrThrow();
    if (org.purge_after) throw new AppError('CONFLICT', 'This organisation is already scheduled for deletion.');
    if (confirmName.trim() !== org.name) throw new AppError('BAD_REQUEST', `Type the organisation's name exactly ("${org.name}") to confirm its deletion.`);
    const { purge_after } = await trx
      .updateTable('organisations')
      .set({ deletion_requested_at: sql<Date>`now()`, deletion_requested_by: actor.userId, purge_after: sql<Date>`now() + make_interval(days => ${DELETION_GRACE_DAYS})` })
      .where('id', '=', organisationId)
      .returning('purge_after')
      .executeTakeFirstOrThrow();
    await enqueuePurge(deps.jobs, trx, organisationId, purge_after!);
    await recordAudit(trx, actor, { organisationId, action: 'organisations.delete', targetType: 'organisation', targetId: organisationId, after: { purgeAfter: purge_after } });
    return purge_after!;
  });
  await cancelLiveSubscription(deps, actor, organisationId);
  return { deletionScheduledUntil: scheduled.toISOString() };
}

async function cancelLiveSubscription(deps: LifecycleDeps, actor: Actor, organisationId: string) {
  const subscription = await deps.db
    .selectFrom('billing_subscriptions')
    .select(['subscription_id', 'cancel_at_period_end'])
    .where('organisation_id', '=', organisationId)
    .where('status', 'in', ['active', 'trialing', 'past_due', 'unpaid'])
    .executeTakeFirst();
  if (!subscription?.subscription_id || subscription.cancel_at_period_end || !deps.config.billing) return;
  try {
    await setCancellation(deps, actor, organisationId, true);
  } catch (error) {
    // The purge cancels it outright in any case.
    deps.logger.warn('Could not cancel the subscription of an organisation scheduled for deletion', { organisationId, error: (error as Error).message });
  }
}

/** Takes the organisation back from its scheduled deletion (its admins, during the grace period). */
export async function restoreOrganisation(db: Db, actor: Actor, organisationId: string) {
  await db.transaction().execute(async (trx) => {
    const org = await trx
      .selectFrom('organisations')
      .select(['purge_after', sql<boolean>`purge_after <= now()`.as('due')])
      .where('id', '=', organisationId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (!org.purge_after) throw new AppError('CONFLICT', 'This organisation is not scheduled for deletion.');
    if (org.due) throw new AppError('CONFLICT', 'The grace period has ended: the organisation is being deleted and can no longer be restored.');
    await trx.updateTable('organisations').set({ deletion_requested_at: null, deletion_requested_by: null, purge_after: null }).where('id', '=', organisationId).execute();
    await recordAudit(trx, actor, { organisationId, action: 'organisations.restore', targetType: 'organisation', targetId: organisationId, before: { purgeAfter: org.purge_after } });
  });
  return getOrganisation(db, organisationId);
}
