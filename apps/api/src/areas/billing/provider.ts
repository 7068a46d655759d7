import type { Config } from '../../config.js';
import { createStripeProvider } from './stripe-provider.js';

/** A subscription as the provider describes it now. */
export interface ProviderSubscription {
  id: string;
  customerId: string;
  /** The provider's status: active, trialing, past_due, unpaid, canceled, incomplete… */
  status: string;
  /** The lookup key of the subscribed price (our `plans.price_lookup_key`). */
  priceLookupKey: string | null;
  cancelAtPeriodEnd: boolean;
  currentPeriodEnd: Date | null;
  /** A summary such as "visa •••• 4242", never card data. */
  paymentMethod: string | null;
}

export interface ProviderInvoice {
  id: string;
  number: string | null;
  amountDueCents: number;
  amountPaidCents: number;
  currency: string;
  status: string | null;
  createdAt: Date;
  pdfUrl: string | null;
}

/** What an event is about; its content is never trusted beyond this: the state is re-read. */
export interface ProviderEvent {
  id: string;
  type: string;
  customerId: string | null;
  subscriptionId: string | null;
}

/**
 * The little Steward needs from a billing provider. Stripe is the one there is; the interface keeps
 * it out of the areas and lets another provider (or none, on a self-hosted install) take its place.
 */
export interface BillingProvider {
  readonly name: string;
  createCustomer(input: { organisationId: string; name: string; email: string | null }): Promise<string>;
  createCheckoutSession(input: { customerId: string; organisationId: string; priceLookupKey: string; successUrl: string; cancelUrl: string }): Promise<{ url: string }>;
  createPortalSession(input: { customerId: string; returnUrl: string }): Promise<{ url: string }>;
  getSubscription(subscriptionId: string): Promise<ProviderSubscription | null>;
  /** The subscription's current one, or null (the newest that is not canceled). */
  findSubscription(customerId: string): Promise<ProviderSubscription | null>;
  changePrice(subscriptionId: string, priceLookupKey: string): Promise<ProviderSubscription>;
  setCancelAtPeriodEnd(subscriptionId: string, cancel: boolean): Promise<ProviderSubscription>;
  cancelNow(subscriptionId: string): Promise<void>;
  listInvoices(customerId: string): Promise<ProviderInvoice[]>;
  /** Verifies the signature over the raw body; throws when it does not match. */
  verifyEvent(rawBody: Buffer, signature: string): ProviderEvent;
}

const providers = new WeakMap<Config, BillingProvider>();

/** The configured provider (one per configuration), or null on a self-hosted install. */
export function billingProviderFor(config: Config): BillingProvider | null {
  if (!config.billing) return null;
  let provider = providers.get(config);
  if (!provider) {
    provider = createStripeProvider(config.billing);
    providers.set(config, provider);
  }
  return provider;
}
