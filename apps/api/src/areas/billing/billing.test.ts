import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { sql } from '@steward/db';
import { addSignedInMember, seedOrganisation, subscribeOrganisation, useStewardApp, type SeededOrganisation, type SeededUser } from '@steward/test-kit';

/**
 * The subscription through Stripe (its real client, pointed at the test kit's stand-in): Checkout,
 * plan changes, cancellation, invoices, and the webhook — signature checked, each event applied
 * once, and the state always the provider's latest whatever the order of the events.
 */

const steward = useStewardApp({ workers: false, fakeStripe: true });
const unique = () => randomBytes(4).toString('hex');

type Result<T> = { error: { message: string; data: { code: string } } | null; text: string; data: T; status: number };
const call = <T>(user: SeededUser, path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') => user.agent.trpc<T>(path, input, kind) as Promise<Result<T>>;

interface Overview {
  provider: string | null;
  plan: { id: string; name: string };
  subscription: { status: string; cancelAtPeriodEnd: boolean; currentPeriodEnd: string | null; paymentMethod: string | null } | null;
  pastDue: boolean;
  usage: { seats: number };
}

let org: SeededOrganisation;
let billingAdmin: SeededUser;
let userAdmin: SeededUser;

/** The provider's own client, as an operator in Stripe's dashboard would change things. */
const stripeClient = () => {
  const url = steward.app.config.billing!.apiUrl!;
  return new Stripe('sk_test_operator', { host: url.hostname, port: url.port, protocol: 'http' });
};
const overview = async (organisationId = org.organisationId) => (await call<Overview>(org.admin, 'billing.overview', { organisationId }, 'query')).data;
const stored = (organisationId = org.organisationId) => steward.db.selectFrom('billing_subscriptions').selectAll().where('organisation_id', '=', organisationId).executeTakeFirstOrThrow();

beforeAll(async () => {
  org = await seedOrganisation(steward.app, 'Acme');
  // The console's path: a person creates the organisation, which starts on the entry plan.
  await steward.db.updateTable('organisations').set({ plan_id: 'starter' }).where('id', '=', org.organisationId).execute();
  billingAdmin = await addSignedInMember(steward.app, org.organisationId, 'billing@acme.example', 'billing_admin');
  userAdmin = await addSignedInMember(steward.app, org.organisationId, 'users@acme.example', 'user_admin');
});

describe('subscribing and changing the plan', () => {
  it('starts a new organisation made from the console on Starter when billing is configured', async () => {
    const created = await call<{ id: string }>(org.admin, 'organisations.create', { name: `New ${unique()}` });
    expect((await overview(created.data.id)).plan.id).toBe('starter');
  });

  it('upgrades through a Checkout session; the webhook brings plan, period, payment method and invoice', async () => {
    const checkout = await call<{ url: string }>(billingAdmin, 'billing.checkout', { organisationId: org.organisationId, planId: 'professional' });
    expect(checkout.error, checkout.text).toBeNull();
    expect(checkout.data.url).toMatch(new RegExp(`^${steward.stripe.url}/checkout/cs_`));
    const redirect = await steward.stripe.pay(checkout.data.url);
    expect(redirect).toBe(`${steward.app.url}/orgs/${org.organisationId}/billing?checkout=done`);
    const now = await overview();
    expect(now).toMatchObject({ provider: 'stripe', plan: { id: 'professional', name: 'Professional' }, subscription: { status: 'active', cancelAtPeriodEnd: false, paymentMethod: 'visa •••• 4242' }, pastDue: false });
    expect(new Date(now.subscription!.currentPeriodEnd!).getTime()).toBeGreaterThan(Date.now() + 25 * 86_400_000);
    const invoices = await call<{ amountDueCents: number; amountPaidCents: number; status: string; pdfUrl: string; currency: string }[]>(userAdmin, 'billing.invoices', { organisationId: org.organisationId }, 'query');
    expect(invoices.data).toEqual([expect.objectContaining({ amountDueCents: 7_900, amountPaidCents: 7_900, currency: 'eur', status: 'paid', pdfUrl: expect.stringMatching(/\.pdf$/) })]);
    // A second Checkout while subscribed is refused: the plan is changed instead.
    expect((await call(org.admin, 'billing.checkout', { organisationId: org.organisationId, planId: 'starter' })).error?.data.code).toBe('CONFLICT');
  });

  it('answers "contact sales" for Enterprise', async () => {
    const refused = await call(org.admin, 'billing.changePlan', { organisationId: org.organisationId, planId: 'enterprise' });
    expect(refused.error?.data.code).toBe('PRECONDITION_FAILED');
    expect(refused.error?.message).toContain('contact sales');
  });

  it('refuses a downgrade while the organisation uses more than the lower plan allows, listing what to remove; then applies it prorated', async () => {
    // Starter has 5 seats: 3 members and 3 pending invitations are one too many.
    const invitations: string[] = [];
    for (let i = 0; i < 3; i++) {
      const invited = await call<{ id: string }>(org.admin, 'invitations.create', { organisationId: org.organisationId, email: `p${i}-${unique()}@example.org`, orgRole: 'member', workspaces: [] });
      invitations.push(invited.data.id);
    }
    const refused = await call(billingAdmin, 'billing.changePlan', { organisationId: org.organisationId, planId: 'starter' });
    expect(refused.error?.data.code).toBe('PRECONDITION_FAILED');
    expect(refused.error?.message).toBe('The Starter plan is too small for this organisation today. Remove first: 1 seats (members and pending invitations) (6 in use, 5 allowed).');
    expect((await overview()).plan.id).toBe('professional');

    expect((await call(org.admin, 'invitations.revoke', { organisationId: org.organisationId, invitationId: invitations[0] })).error).toBeNull();
    const downgraded = await call(billingAdmin, 'billing.changePlan', { organisationId: org.organisationId, planId: 'starter' });
    expect(downgraded.error, downgraded.text).toBeNull();
    expect((await overview()).plan.id).toBe('starter');
    const { subscription_id } = await stored();
    expect((await stripeClient().subscriptions.retrieve(subscription_id!)).items.data[0]!.price.lookup_key).toBe('steward_starter_monthly');
    const update = steward.stripe.requests.filter((r) => r.method === 'POST' && r.path === `/v1/subscriptions/${subscription_id}`).at(-1)!;
    expect(update.body).toMatchObject({ proration_behavior: 'create_prorations' });
  });

  it('lets only the organisation admin cancel at the end of the period, and undo it before then', async () => {
    expect((await call(billingAdmin, 'billing.cancel', { organisationId: org.organisationId })).error?.data.code).toBe('FORBIDDEN');
    expect((await call(userAdmin, 'billing.cancel', { organisationId: org.organisationId })).error?.data.code).toBe('FORBIDDEN');
    const cancelled = await call<{ cancelAtPeriodEnd: boolean }>(org.admin, 'billing.cancel', { organisationId: org.organisationId });
    expect(cancelled.error, cancelled.text).toBeNull();
    expect((await overview()).subscription).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
    expect((await call(billingAdmin, 'billing.resume', { organisationId: org.organisationId })).error?.data.code).toBe('FORBIDDEN');
    expect((await call(org.admin, 'billing.resume', { organisationId: org.organisationId })).error).toBeNull();
    expect((await overview()).subscription).toMatchObject({ cancelAtPeriodEnd: false });
  });

  it('opens the customer portal for payment method and invoices', async () => {
    const portal = await call<{ url: string }>(billingAdmin, 'billing.portal', { organisationId: org.organisationId });
    expect(portal.data.url).toMatch(new RegExp(`^${steward.stripe.url}/portal/bps_`));
    const page = await (await fetch(portal.data.url)).text();
    expect(page).toContain(`/orgs/${org.organisationId}/billing`);
  });
});

describe('the billing webhook', () => {
  let other: SeededOrganisation;
  let subscriptionId: string;
  beforeAll(async () => {
    other = await seedOrganisation(steward.app, 'Webhooks');
    ({ subscriptionId } = await subscribeOrganisation(steward.app, other.organisationId, { plan: 'starter' }));
  });
  const latest = () => steward.stripe.events.at(-1)!;

  it('refuses an event whose signature does not match, and changes nothing', async () => {
    steward.stripe.holdEvents();
    try {
      await steward.stripe.setStatus(subscriptionId, 'past_due');
      const event = latest();
      for (const forged of [
        await steward.stripe.deliver(event, { secret: 'whsec_someone_else' }),
        await steward.stripe.deliver(event, { payload: JSON.stringify({ ...event, id: 'evt_other' }) }),
      ]) {
        expect(forged.status).toBe(400);
        expect(forged.body).toMatchObject({ error: { code: 'BAD_REQUEST', message: 'The webhook signature does not match.' } });
      }
      const unsigned = await fetch(`${steward.app.url}/webhooks/billing`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
      expect(unsigned.status).toBe(400);
      expect((await stored(other.organisationId)).status).toBe('active');
      expect(await steward.db.selectFrom('billing_events').select('event_id').where('event_id', '=', event.id as string).executeTakeFirst()).toBeUndefined();
      await steward.stripe.setStatus(subscriptionId, 'active', { emit: false });
    } finally {
      steward.stripe.holdEvents(false);
    }
  });

  it('applies the same event delivered twice once', async () => {
    steward.stripe.holdEvents();
    try {
      await steward.stripe.setStatus(subscriptionId, 'past_due');
      const event = latest();
      expect(await steward.stripe.deliver(event)).toMatchObject({ status: 200, body: { outcome: 'applied' } });
      expect((await stored(other.organisationId)).status).toBe('past_due');
      expect((await call<Overview>(other.admin, 'billing.overview', { organisationId: other.organisationId }, 'query')).data.pastDue).toBe(true);
      // The provider's state moves on without an event; the replayed event is not applied again
      // (applying it would read the provider's new state back).
      await steward.stripe.setStatus(subscriptionId, 'active', { emit: false });
      expect(await steward.stripe.deliver(event)).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
      expect((await stored(other.organisationId)).status).toBe('past_due');
      const rows = await steward.db.selectFrom('billing_events').select(['event_id', 'organisation_id', 'processed_at']).where('event_id', '=', event.id as string).execute();
      expect(rows).toEqual([{ event_id: event.id, organisation_id: other.organisationId, processed_at: expect.any(Date) }]);
      // The change is in the audit log once, by the provider's webhook.
      const audited = await steward.db
        .selectFrom('audit_log')
        .select(['actor_email', 'before', 'after'])
        .where('organisation_id', '=', other.organisationId)
        .where('action', '=', 'billing.subscriptionChanged')
        .where(sql<boolean>`after->>'status' = 'past_due'`)
        .execute();
      expect(audited).toEqual([{ actor_email: expect.stringContaining('webhook'), before: expect.objectContaining({ status: 'active' }), after: expect.objectContaining({ status: 'past_due', event: 'customer.subscription.updated' }) }]);
    } finally {
      steward.stripe.holdEvents(false);
    }
  });

  it('processes an event again when its first delivery failed half-way, and a concurrent second delivery once', async () => {
    steward.stripe.holdEvents();
    try {
      await steward.stripe.setStatus(subscriptionId, 'past_due');
      const event = latest();
      // The provider cannot be read back: the event is refused with a 500, and nothing of it is kept…
      steward.stripe.failNext(3);
      expect((await steward.stripe.deliver(event)).status).toBe(500);
      expect(await steward.db.selectFrom('billing_events').select('event_id').where('event_id', '=', event.id as string).executeTakeFirst()).toBeUndefined();
      // …so the provider's retry applies it. Two retries at once apply it once.
      const outcomes = await Promise.all([steward.stripe.deliver(event), steward.stripe.deliver(event)]);
      expect(outcomes.map((o) => o.body?.outcome).sort()).toEqual(['applied', 'duplicate']);
      expect((await stored(other.organisationId)).status).toBe('past_due');
      await steward.stripe.setStatus(subscriptionId, 'active');
      expect((await steward.stripe.deliver(latest())).body?.outcome).toBe('applied');
    } finally {
      steward.stripe.holdEvents(false);
    }
  });

  it("ends in the provider's latest state whatever the order the events arrive in", async () => {
    steward.stripe.holdEvents();
    try {
      const stripe = stripeClient();
      const item = (await stripe.subscriptions.retrieve(subscriptionId)).items.data[0]!;
      await stripe.subscriptions.update(subscriptionId, { items: [{ id: item.id, price: 'price_steward_professional_monthly' }] });
      const toProfessional = latest();
      await stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true });
      const cancelling = latest();
      await steward.stripe.setStatus(subscriptionId, 'active');
      const reactivated = latest();
      // Newest first, oldest last.
      for (const event of [reactivated, cancelling, toProfessional]) expect((await steward.stripe.deliver(event)).status).toBe(200);
      expect(await stored(other.organisationId)).toMatchObject({ plan_id: 'professional', status: 'active', cancel_at_period_end: true });
      expect((await steward.db.selectFrom('organisations').select('plan_id').where('id', '=', other.organisationId).executeTakeFirstOrThrow()).plan_id).toBe('professional');

      // The subscription ends at the provider; its deletion event, even late and after an older
      // update, leaves the organisation on the entry plan.
      await stripe.subscriptions.cancel(subscriptionId);
      const deleted = latest();
      expect((await steward.stripe.deliver(deleted)).status).toBe(200);
      expect((await steward.stripe.deliver({ ...toProfessional, id: `evt_${unique()}` })).status).toBe(200);
      expect(await stored(other.organisationId)).toMatchObject({ status: 'canceled' });
      expect((await steward.db.selectFrom('organisations').select('plan_id').where('id', '=', other.organisationId).executeTakeFirstOrThrow()).plan_id).toBe('starter');
    } finally {
      steward.stripe.holdEvents(false);
    }
  });
});
