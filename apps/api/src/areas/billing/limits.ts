import { type Database, type Db, sql, type Transaction } from '@steward/db';
import { AppError } from '../../errors.js';

type Handle = Db | Transaction<Database>;

/** What a plan limits; the column of `plans` that holds each limit (0 = unlimited). */
export const LIMITS = {
  seats: { column: 'seats', noun: 'seats (members and pending invitations)', remove: 'remove members or revoke pending invitations' },
  workspaces: { column: 'workspaces', noun: 'workspaces', remove: 'delete workspaces' },
  contacts: { column: 'contacts', noun: 'contacts', remove: 'delete contacts' },
  emailsPerMonth: { column: 'emails_per_month', noun: 'campaign emails this month', remove: 'wait for next month' },
} as const;
export type LimitKind = keyof typeof LIMITS;
export const LIMIT_KINDS = Object.keys(LIMITS) as LimitKind[];

/** Subscription states in which the organisation may read but not grow until the payment is settled. */
const PAYMENT_DUE_STATES = ['past_due', 'unpaid'];

export type Usage = Record<LimitKind, number>;

/** How much of one limit the organisation uses now (one query). */
function usageQuery(db: Handle, organisationId: string, kind: LimitKind) {
  switch (kind) {
    case 'seats':
      return sql<{ used: number }>`
        select (select count(*) from memberships where organisation_id = ${organisationId}::uuid)
             + (select count(*) from invitations where organisation_id = ${organisationId}::uuid
                  and accepted_at is null and revoked_at is null and expires_at > now())::int as used`;
    case 'workspaces':
      return sql<{ used: number }>`select count(*)::int as used from workspaces where organisation_id = ${organisationId}::uuid`;
    case 'contacts':
      return sql<{ used: number }>`select count(*)::int as used from contacts where organisation_id = ${organisationId}::uuid`;
    case 'emailsPerMonth':
      // Every recipient of a campaign started this calendar month (UTC), opted-out ones excepted,
      // with the part of its frozen audience not yet expanded into recipient rows (campaigns.ts); a
      // campaign being started counts through `adding` (its start time is set after the freeze).
      return sql<{ used: number }>`
        select (select count(*) from campaign_recipients r join campaigns c on c.id = r.campaign_id
                where c.organisation_id = ${organisationId}::uuid and r.state <> 'skipped_opted_out'
                  and c.started_at >= date_trunc('month', now() at time zone 'UTC') at time zone 'UTC')
             + (select coalesce(sum(a.size - a.expanded), 0) from campaign_audiences a join campaigns c on c.id = a.campaign_id
                where c.organisation_id = ${organisationId}::uuid
                  and c.started_at >= date_trunc('month', now() at time zone 'UTC') at time zone 'UTC')::int as used`;
  }
}

export async function usageOf(db: Handle, organisationId: string, kind: LimitKind): Promise<number> {
  const { rows } = await usageQuery(db, organisationId, kind).execute(db);
  return Number(rows[0]?.used ?? 0);
}

export async function usageOfAll(db: Handle, organisationId: string): Promise<Usage> {
  const values = await Promise.all(LIMIT_KINDS.map((kind) => usageOf(db, organisationId, kind)));
  return Object.fromEntries(LIMIT_KINDS.map((kind, i) => [kind, values[i]!])) as Usage;
}

export interface PlanLimits {
  planId: string;
  planName: string;
  limits: Record<LimitKind, number>;
  subscriptionStatus: string | null;
}

export async function planOf(db: Handle, organisationId: string): Promise<PlanLimits> {
  const row = await db
    .selectFrom('organisations as o')
    .innerJoin('plans as p', 'p.id', 'o.plan_id')
    .leftJoin('billing_subscriptions as s', 's.organisation_id', 'o.id')
    .select(['p.id', 'p.name', 'p.seats', 'p.workspaces', 'p.contacts', 'p.emails_per_month', 's.status'])
    .where('o.id', '=', organisationId)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'Organisation not found.');
  return {
    planId: row.id,
    planName: row.name,
    limits: { seats: row.seats, workspaces: row.workspaces, contacts: row.contacts, emailsPerMonth: row.emails_per_month },
    subscriptionStatus: row.status,
  };
}

/**
 * Refuses, inside the caller's transaction, a change that would take the organisation past a
 * limit of its plan, or any growth while its payment is past due. `adding` is how many the change
 * adds (0 when the caller has already written them and counts them in). Changes of one kind in one
 * organisation queue on a transaction-scoped advisory lock, so two requests racing for the last
 * seat see each other: the second counts the first.
 */
export async function enforceLimit(trx: Transaction<Database>, organisationId: string, kind: LimitKind, adding: number): Promise<void> {
  const plan = await planOf(trx, organisationId);
  if (plan.subscriptionStatus && PAYMENT_DUE_STATES.includes(plan.subscriptionStatus)) {
    throw new AppError(
      'PRECONDITION_FAILED',
      `The subscription's payment is past due, so nothing can be added until it is settled. An admin or billing admin can update the payment method in Billing.`,
    );
  }
  const limit = plan.limits[kind];
  if (limit === 0) return;
  await sql`select pg_advisory_xact_lock(hashtextextended(${`steward-limit:${kind}:${organisationId}`}, 0))`.execute(trx);
  const used = await usageOf(trx, organisationId, kind);
  if (used + adding > limit) {
    const { noun, remove } = LIMITS[kind];
    throw new AppError(
      'PRECONDITION_FAILED',
      `The ${plan.planName} plan allows ${limit.toLocaleString('en')} ${noun}; this organisation has ${used.toLocaleString('en')}${adding > 0 ? ` and this would add ${adding.toLocaleString('en')}` : ''}. To raise the limit, an admin or billing admin can upgrade the plan in Billing (or ${remove}).`,
    );
  }
}
