import { type Database, type Db, sql, type Transaction } from '@steward/db';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { type Actor, type OutsideActor, recordAudit } from '../audit/record.js';
import { LIMIT_KINDS, LIMITS, type LimitKind, planOf, usageOfAll } from './limits.js';
import { billingProviderFor, type BillingProvider, type ProviderEvent, type ProviderSubscription } from './provider.js';

/** The plan an organisation falls back to when its subscription ends, with a billing provider. */
export const ENTRY_PLAN = 'starter';
/** Every organisation's plan on a self-hosted install (no billing provider). */
export const SELF_HOSTED_PLAN = 'self_hosted';
/** Provider states in which the subscribed plan applies. */
const LIVE_STATES = ['active', 'trialing', 'past_due', 'unpaid'];

export interface BillingDeps {
  db: Db;
  config: Config;
}

function providerOf(config: Config): BillingProvider {
  const provider = billingProviderFor(config);
  if (!provider) throw new AppError('PRECONDITION_FAILED', 'This installation has no billing provider: every organisation is on the unlimited Self-hosted plan.');
  return provider;
}

async function listPlans(db: Db) {
  const plans = await db.selectFrom('plans').selectAll().where('id', '<>', SELF_HOSTED_PLAN).orderBy('rank').execute();
  return plans.map((p) => ({
    id: p.id,
    name: p.name,
    rank: p.rank,
    limits: { seats: p.seats, workspaces: p.workspaces, contacts: p.contacts, emailsPerMonth: p.emails_per_month },
    monthlyPriceCents: p.monthly_price_cents,
    currency: p.currency,
    contactSales: p.contact_sales,
    /** Bought online (a Checkout session), as opposed to through sales. */
    selfServe: p.price_lookup_key !== null,
  }));
}

/** Plan, usage against each limit, subscription and the plans there are: the billing page. */
export async function billingOverview({ db, config }: BillingDeps, organisationId: string) {
  const [plan, usage, subscription, plans] = await Promise.all([
    planOf(db, organisationId),
    usageOfAll(db, organisationId),
    db
      .selectFrom('billing_subscriptions')
      .select(['status', 'cancel_at_period_end as cancelAtPeriodEnd', 'current_period_end as currentPeriodEnd', 'payment_method as paymentMethod', 'subscription_id'])
      .where('organisation_id', '=', organisationId)
      .executeTakeFirst(),
    listPlans(db),
  ]);
  const hasSubscription = Boolean(subscription?.subscription_id && subscription.status && LIVE_STATES.includes(subscription.status));
  return {
    provider: config.billing ? config.billing.provider : null,
    plan: { id: plan.planId, name: plan.planName, limits: plan.limits },
    usage,
    subscription: hasSubscription
      ? {
          status: subscription!.status!,
          cancelAtPeriodEnd: subscription!.cancelAtPeriodEnd,
          currentPeriodEnd: subscription!.currentPeriodEnd?.toISOString() ?? null,
          paymentMethod: subscription!.paymentMethod,
        }
      : null,
    pastDue: plan.subscriptionStatus === 'past_due' || plan.subscriptionStatus === 'unpaid',
    plans: config.billing ? plans : [],
  };
}

async function subscriptionRow(db: Db | Transaction<Database>, organisationId: string) {
  return db.selectFrom('billing_subscriptions').selectAll().where('organisation_id', '=', organisationId).executeTakeFirst();
}

async function customerOf({ db, config }: BillingDeps, organisationId: string): Promise<string> {
  const existing = await subscriptionRow(db, organisationId);
  if (existing) return existing.customer_id;
  const org = await db.selectFrom('organisations').select(['name', 'billing_email']).where('id', '=', organisationId).executeTakeFirstOrThrow();
  // The provider's idempotency key makes a repeated request the same customer.
  const customerId = await providerOf(config).createCustomer({ organisationId, name: org.name, email: org.billing_email });
  await db
    .insertInto('billing_subscriptions')
    .values({ organisation_id: organisationId, provider: providerOf(config).name, customer_id: customerId })
    .onConflict((oc) => oc.column('organisation_id').doNothing())
    .execute();
  return (await subscriptionRow(db, organisationId))!.customer_id;
}

const billingPage = (config: Config, organisationId: string) => new URL(`/orgs/${organisationId}/billing`, config.publicUrl).href;

async function sellablePlan(db: Db, planId: string) {
  const plan = await db.selectFrom('plans').selectAll().where('id', '=', planId).executeTakeFirst();
  if (!plan || plan.id === SELF_HOSTED_PLAN) throw new AppError('NOT_FOUND', `There is no plan "${planId}".`);
  if (plan.contact_sales || !plan.price_lookup_key) {
    throw new AppError('PRECONDITION_FAILED', `The ${plan.name} plan is arranged with our sales team: contact sales to move to it.`);
  }
  return { ...plan, price_lookup_key: plan.price_lookup_key };
}

/** A Checkout session for a first subscription; the console sends the browser to its URL. */
export async function startCheckout(deps: BillingDeps, actor: Actor, organisationId: string, planId: string) {
  const plan = await sellablePlan(deps.db, planId);
  const current = await subscriptionRow(deps.db, organisationId);
  if (current?.subscription_id && current.status && LIVE_STATES.includes(current.status)) {
    throw new AppError('CONFLICT', 'This organisation already has a subscription: change its plan instead.');
  }
  const customerId = await customerOf(deps, organisationId);
  const page = billingPage(deps.config, organisationId);
  const session = await providerOf(deps.config).createCheckoutSession({
    customerId,
    organisationId,
    priceLookupKey: plan.price_lookup_key,
    successUrl: `${page}?checkout=done`,
    cancelUrl: `${page}?checkout=cancelled`,
  });
  await recordAudit(deps.db, actor, { organisationId, action: 'billing.checkout', targetType: 'subscription', after: { planId } });
  return session;
}

/**
 * The provider's customer portal: payment method, invoices, billing details. Opening it is
 * audited: the session it returns lets whoever holds it change how the organisation pays.
 */
export async function openPortal(deps: BillingDeps, actor: Actor, organisationId: string) {
  const customerId = await customerOf(deps, organisationId);
  const session = await providerOf(deps.config).createPortalSession({ customerId, returnUrl: billingPage(deps.config, organisationId) });
  await recordAudit(deps.db, actor, { organisationId, action: 'billing.portal', targetType: 'subscription' });
  return session;
}

/** What the organisation would have to remove to fit a plan's limits (empty: it fits). */
async function overLimits(db: Db, organisationId: string, limits: Record<LimitKind, number>) {
  const usage = await usageOfAll(db, organisationId);
  return LIMIT_KINDS.filter((kind) => kind !== 'emailsPerMonth' && limits[kind] !== 0 && usage[kind] > limits[kind]).map((kind) => ({
    limit: kind,
    used: usage[kind],
    allowed: limits[kind],
    toRemove: usage[kind] - limits[kind],
  }));
}

/**
 * Moves a live subscription to another plan, prorated by the provider. A downgrade is refused while
 * the organisation uses more than the lower plan allows, with what to remove.
 */
export async function changePlan(deps: BillingDeps, actor: Actor, organisationId: string, planId: string) {
  const target = await sellablePlan(deps.db, planId);
  const current = await subscriptionRow(deps.db, organisationId);
  if (!current?.subscription_id || !current.status || !LIVE_STATES.includes(current.status)) {
    throw new AppError('PRECONDITION_FAILED', 'This organisation has no subscription yet: subscribe through Checkout first.');
  }
  if (current.plan_id === target.id) throw new AppError('CONFLICT', `The organisation is already on the ${target.name} plan.`);
  const excess = await overLimits(deps.db, organisationId, { seats: target.seats, workspaces: target.workspaces, contacts: target.contacts, emailsPerMonth: target.emails_per_month });
  if (excess.length > 0) {
    const list = excess.map((e) => `${e.toRemove.toLocaleString('en')} ${LIMITS[e.limit].noun} (${e.used.toLocaleString('en')} in use, ${e.allowed.toLocaleString('en')} allowed)`).join('; ');
    throw new AppError('PRECONDITION_FAILED', `The ${target.name} plan is too small for this organisation today. Remove first: ${list}.`);
  }
  const subscription = await providerOf(deps.config).changePrice(current.subscription_id, target.price_lookup_key);
  await deps.db.transaction().execute(async (trx) => {
    await applySubscription(trx, organisationId, current.customer_id, subscription);
    await recordAudit(trx, actor, { organisationId, action: 'billing.changePlan', targetType: 'subscription', targetId: subscription.id, before: { planId: current.plan_id }, after: { planId: target.id } });
  });
  return { planId: target.id };
}

/** Cancels at the end of the paid period (`cancel`), or undoes that before the period ends. */
export async function setCancellation(deps: BillingDeps, actor: Actor, organisationId: string, cancel: boolean) {
  const current = await subscriptionRow(deps.db, organisationId);
  if (!current?.subscription_id || !current.status || !LIVE_STATES.includes(current.status)) {
    throw new AppError('PRECONDITION_FAILED', 'This organisation has no subscription to cancel.');
  }
  if (current.cancel_at_period_end === cancel) {
    throw new AppError('CONFLICT', cancel ? 'The subscription is already cancelled at the end of the period.' : 'The subscription is not cancelled.');
  }
  const subscription = await providerOf(deps.config).setCancelAtPeriodEnd(current.subscription_id, cancel);
  await deps.db.transaction().execute(async (trx) => {
    await applySubscription(trx, organisationId, current.customer_id, subscription);
    await recordAudit(trx, actor, {
      organisationId,
      action: cancel ? 'billing.cancel' : 'billing.resume',
      targetType: 'subscription',
      targetId: subscription.id,
      before: { cancelAtPeriodEnd: current.cancel_at_period_end },
      after: { cancelAtPeriodEnd: subscription.cancelAtPeriodEnd, currentPeriodEnd: subscription.currentPeriodEnd },
    });
  });
  return { cancelAtPeriodEnd: subscription.cancelAtPeriodEnd, currentPeriodEnd: subscription.currentPeriodEnd?.toISOString() ?? null };
}

export async function listInvoices(deps: BillingDeps, organisationId: string) {
  const current = await subscriptionRow(deps.db, organisationId);
  if (!current || !deps.config.billing) return [];
  const invoices = await providerOf(deps.config).listInvoices(current.customer_id);
  return invoices.map((i) => ({ ...i, createdAt: i.createdAt.toISOString() }));
}

/**
 * Writes the subscription as the provider describes it now, and the plan that follows from it
 * (the subscribed plan while the subscription is live, the entry plan otherwise).
 */
export async function applySubscription(trx: Transaction<Database>, organisationId: string, customerId: string, subscription: ProviderSubscription | null) {
  const plan = subscription?.priceLookupKey
    ? await trx.selectFrom('plans').select('id').where('price_lookup_key', '=', subscription.priceLookupKey).executeTakeFirst()
    : undefined;
  const live = subscription !== null && LIVE_STATES.includes(subscription.status);
  const values = {
    subscription_id: subscription?.id ?? null,
    plan_id: plan?.id ?? null,
    status: subscription?.status ?? 'canceled',
    cancel_at_period_end: subscription?.cancelAtPeriodEnd ?? false,
    current_period_end: subscription?.currentPeriodEnd ?? null,
    payment_method: subscription?.paymentMethod ?? null,
    updated_at: sql<Date>`now()`,
  };
  await trx
    .insertInto('billing_subscriptions')
    .values({ organisation_id: organisationId, provider: 'stripe', customer_id: customerId, ...values })
    .onConflict((oc) => oc.column('organisation_id').doUpdateSet(values))
    .execute();
  await trx
    .updateTable('organisations')
    .set({ plan_id: live && plan ? plan.id : ENTRY_PLAN })
    .where('id', '=', organisationId)
    .execute();
}

/**
 * One provider event, applied once: the event's row is written and locked first, and a second
 * delivery (or a concurrent one) finds it processed. What the event says is not applied as such:
 * the customer's subscription is read back from the provider, under the lock of the organisation's
 * subscription row, so events in any order end in the provider's latest state. A failure rolls
 * everything back, and the provider's retry processes the event again.
 */
export async function processBillingEvent(
  deps: { db: Db; provider: BillingProvider; logger: Logger },
  event: ProviderEvent,
  actor: OutsideActor = { userId: null, via: 'provider webhook', requestId: null, ip: null },
): Promise<'applied' | 'duplicate' | 'ignored'> {
  return deps.db.transaction().execute(async (trx) => {
    await trx.insertInto('billing_events').values({ event_id: event.id, type: event.type }).onConflict((oc) => oc.column('event_id').doNothing()).execute();
    const row = await trx.selectFrom('billing_events').select('processed_at').where('event_id', '=', event.id).forUpdate().executeTakeFirstOrThrow();
    if (row.processed_at) return 'duplicate';
    const owner = event.customerId
      ? await trx.selectFrom('billing_subscriptions').select('organisation_id').where('customer_id', '=', event.customerId).forUpdate().executeTakeFirst()
      : undefined;
    const relevant = /^(checkout\.session\.|customer\.subscription\.|invoice\.)/.test(event.type);
    if (owner && relevant) {
      const state = (row?: { plan_id: string | null; status: string | null; cancel_at_period_end: boolean }) =>
        row ? { planId: row.plan_id, status: row.status, cancelAtPeriodEnd: row.cancel_at_period_end } : null;
      const before = state(await subscriptionRow(trx, owner.organisation_id));
      const subscription = await deps.provider.findSubscription(event.customerId!);
      await applySubscription(trx, owner.organisation_id, event.customerId!, subscription);
      const after = state(await subscriptionRow(trx, owner.organisation_id));
      if (JSON.stringify(before) !== JSON.stringify(after)) {
        await recordAudit(trx, actor, { organisationId: owner.organisation_id, action: 'billing.subscriptionChanged', targetType: 'subscription', targetId: subscription?.id ?? null, before, after: { ...after, event: event.type } });
      }
    }
    await trx
      .updateTable('billing_events')
      .set({ processed_at: sql<Date>`now()`, organisation_id: owner?.organisation_id ?? null })
      .where('event_id', '=', event.id)
      .execute();
    if (!owner || !relevant) deps.logger.info('Billing event recorded without a change', { eventId: event.id, type: event.type });
    return owner && relevant ? 'applied' : 'ignored';
  });
}
