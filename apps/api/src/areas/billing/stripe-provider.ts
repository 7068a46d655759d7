import Stripe from 'stripe';
import { AppError } from '../../errors.js';
import type { BillingProvider, ProviderInvoice, ProviderSubscription } from './provider.js';

function describeSubscription(subscription: Stripe.Subscription): ProviderSubscription {
  const item = subscription.items.data[0];
  const method = subscription.default_payment_method;
  const card = method && typeof method === 'object' ? method.card : null;
  return {
    id: subscription.id,
    customerId: typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id,
    status: subscription.status,
    priceLookupKey: item?.price.lookup_key ?? null,
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    currentPeriodEnd: item?.current_period_end ? new Date(item.current_period_end * 1000) : null,
    paymentMethod: card ? `${card.brand} •••• ${card.last4}` : null,
  };
}

const idOf = (value: string | { id: string } | null | undefined) => (value == null ? null : typeof value === 'string' ? value : value.id);

/** The billing provider through Stripe's own client (pointed at a stand-in in tests by `apiUrl`). */
export function createStripeProvider(settings: { secretKey: string; webhookSecret: string; apiUrl: URL | null }): BillingProvider {
  const stripe = new Stripe(settings.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(settings.apiUrl && {
      host: settings.apiUrl.hostname,
      port: settings.apiUrl.port || (settings.apiUrl.protocol === 'https:' ? 443 : 80),
      protocol: settings.apiUrl.protocol === 'https:' ? 'https' : 'http',
    }),
  });

  async function priceId(lookupKey: string): Promise<string> {
    const prices = await stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 });
    const price = prices.data[0];
    if (!price) throw new AppError('PRECONDITION_FAILED', `The billing provider has no price with the lookup key ${lookupKey}; create it there first.`);
    return price.id;
  }
  const retrieve = (id: string) => stripe.subscriptions.retrieve(id, { expand: ['default_payment_method'] });

  return {
    name: 'stripe',
    async createCustomer({ organisationId, name, email }) {
      const customer = await stripe.customers.create({ name, ...(email && { email }), metadata: { organisationId } }, { idempotencyKey: `customer-${organisationId}` });
      return customer.id;
    },
    async createCheckoutSession({ customerId, organisationId, priceLookupKey, successUrl, cancelUrl }) {
      const session = await stripe.checkout.sessions.create({
        mode: 'subscription',
        customer: customerId,
        client_reference_id: organisationId,
        line_items: [{ price: await priceId(priceLookupKey), quantity: 1 }],
        subscription_data: { metadata: { organisationId } },
        success_url: successUrl,
        cancel_url: cancelUrl,
      });
      if (!session.url) throw new Error('Stripe returned a Checkout session without a URL');
      return { url: session.url };
    },
    async createPortalSession({ customerId, returnUrl }) {
      const session = await stripe.billingPortal.sessions.create({ customer: customerId, return_url: returnUrl });
      return { url: session.url };
    },
    async getSubscription(subscriptionId) {
      try {
        return describeSubscription(await retrieve(subscriptionId));
      } catch (error) {
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404) return null;
        throw error;
      }
    },
    async findSubscription(customerId) {
      const list = await stripe.subscriptions.list({ customer: customerId, status: 'all', limit: 10, expand: ['data.default_payment_method'] });
      const current = list.data.filter((s) => s.status !== 'canceled' && s.status !== 'incomplete_expired').sort((a, b) => b.created - a.created)[0];
      return current ? describeSubscription(current) : null;
    },
    async changePrice(subscriptionId, priceLookupKey) {
      const current = await retrieve(subscriptionId);
      const item = current.items.data[0];
      if (!item) throw new Error(`Stripe subscription ${subscriptionId} has no item`);
      await stripe.subscriptions.update(subscriptionId, {
        items: [{ id: item.id, price: await priceId(priceLookupKey) }],
        proration_behavior: 'create_prorations',
      });
      return describeSubscription(await retrieve(subscriptionId));
    },
    async setCancelAtPeriodEnd(subscriptionId, cancel) {
      await stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: cancel });
      return describeSubscription(await retrieve(subscriptionId));
    },
    async cancelNow(subscriptionId) {
      await stripe.subscriptions.cancel(subscriptionId);
    },
    async listInvoices(customerId) {
      const invoices = await stripe.invoices.list({ customer: customerId, limit: 24 });
      return invoices.data.map(
        (invoice): ProviderInvoice => ({
          id: invoice.id ?? '',
          number: invoice.number ?? null,
          amountDueCents: invoice.amount_due,
          amountPaidCents: invoice.amount_paid,
          currency: invoice.currency,
          status: invoice.status ?? null,
          createdAt: new Date(invoice.created * 1000),
          pdfUrl: invoice.invoice_pdf ?? null,
        }),
      );
    },
    verifyEvent(rawBody, signature) {
      const event = stripe.webhooks.constructEvent(rawBody, signature, settings.webhookSecret);
      const object = event.data.object as unknown as Record<string, unknown>;
      const subscriptionId =
        event.type.startsWith('customer.subscription.')
          ? idOf(object.id as string)
          : idOf(object.subscription as string | { id: string } | null) ??
            idOf(((object.parent as { subscription_details?: { subscription?: string } } | null)?.subscription_details?.subscription) ?? null);
      return { id: event.id, type: event.type, customerId: idOf(object.customer as string | { id: string } | null), subscriptionId };
    },
  };
}
