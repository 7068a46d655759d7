import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { sql } from '@steward/db';
import type { TestApp } from './app.js';

/** Prices the stand-in sells, by lookup key (the plans of migrations/0018 name them). */
const PRICES = [
  { lookupKey: 'steward_starter_monthly', unitAmount: 1_900, name: 'Starter' },
  { lookupKey: 'steward_professional_monthly', unitAmount: 7_900, name: 'Professional' },
];

type Json = Record<string, unknown>;

interface FakeSubscription {
  id: string;
  customer: string;
  status: string;
  priceId: string;
  itemId: string;
  cancelAtPeriodEnd: boolean;
  created: number;
  currentPeriodStart: number;
  currentPeriodEnd: number;
  metadata: Record<string, string>;
}

interface FakeInvoice {
  id: string;
  number: string;
  customer: string;
  subscription: string;
  amountDue: number;
  amountPaid: number;
  status: string;
  created: number;
}

interface FakeCheckout {
  id: string;
  customer: string;
  priceId: string;
  successUrl: string;
  cancelUrl: string;
  metadata: Record<string, string>;
  clientReferenceId: string | null;
  status: 'open' | 'complete';
  subscription: string | null;
}

/** Form bodies as stripe-node sends them (`a[b][0][c]=v`), into nested objects and arrays. */
function parseForm(text: string): Json {
  const root: Json = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = key.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> = root;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Record<string, unknown>;
    });
  }
  return root;
}
const asArray = (value: unknown): Json[] => (value && typeof value === 'object' ? (Object.values(value) as Json[]) : []);

/**
 * A local stand-in for the parts of Stripe's API that Steward uses — customers, prices (listed by
 * lookup key), subscriptions, Checkout and portal sessions, invoices — answered in Stripe's shapes
 * so the real `stripe` client talks to it (pointed here by `host` / `port` / `protocol`). Its
 * Checkout page has a Pay button that creates the subscription and its invoice, and the events it
 * emits are signed with `stripe.webhooks.generateTestHeaderString` and posted to the app's webhook.
 */
export async function startFakeStripe(options: { webhookSecret?: string } = {}) {
  const webhookSecret = options.webhookSecret ?? `whsec_${randomBytes(16).toString('hex')}`;
  const signer = new Stripe('sk_test_signer');
  const id = (prefix: string) => `${prefix}_${randomBytes(8).toString('hex')}`;
  const now = () => Math.floor(Date.now() / 1000);

  const customers = new Map<string, Json>();
  const prices = PRICES.map((p) => ({ ...p, id: `price_${p.lookupKey}` }));
  const subscriptions = new Map<string, FakeSubscription>();
  const invoices: FakeInvoice[] = [];
  const checkouts = new Map<string, FakeCheckout>();
  const portals = new Map<string, { customer: string; returnUrl: string }>();
  /** Every event emitted, in order, as sent (deliverable again by the tests). */
  const events: Json[] = [];
  /** Requests to the API, for tests that check what was asked. */
  const requests: { method: string; path: string; body: Json }[] = [];
  let webhookUrl: string | null = null;
  /** Whether emitted events are posted to the webhook at once (tests can hold them and deliver by hand). */
  let autoDeliver = true;
  /** API requests still to refuse with this status, as an outage would (see failNext). */
  let failures: { count: number; status: number } = { count: 0, status: 503 };

  let baseUrl = '';
  const priceObject = (priceId: string) => {
    const price = prices.find((p) => p.id === priceId)!;
    return { id: price.id, object: 'price', active: true, currency: 'eur', lookup_key: price.lookupKey, unit_amount: price.unitAmount, recurring: { interval: 'month' }, nickname: price.name };
  };
  const subscriptionObject = (s: FakeSubscription) => ({
    id: s.id,
    object: 'subscription',
    customer: s.customer,
    status: s.status,
    cancel_at_period_end: s.cancelAtPeriodEnd,
    created: s.created,
    metadata: s.metadata,
    default_payment_method: { id: 'pm_card_visa', object: 'payment_method', type: 'card', card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 } },
    items: {
      object: 'list',
      data: [{ id: s.itemId, object: 'subscription_item', price: priceObject(s.priceId), quantity: 1, current_period_start: s.currentPeriodStart, current_period_end: s.currentPeriodEnd }],
      has_more: false,
      url: `/v1/subscription_items?subscription=${s.id}`,
    },
    latest_invoice: invoices.filter((i) => i.subscription === s.id).at(-1)?.id ?? null,
  });
  const invoiceObject = (i: FakeInvoice) => ({
    id: i.id,
    object: 'invoice',
    number: i.number,
    customer: i.customer,
    amount_due: i.amountDue,
    amount_paid: i.amountPaid,
    currency: 'eur',
    status: i.status,
    created: i.created,
    invoice_pdf: `${baseUrl}/invoices/${i.id}.pdf`,
    hosted_invoice_url: `${baseUrl}/invoices/${i.id}`,
    parent: { type: 'subscription_details', subscription_details: { subscription: i.subscription } },
  });
  const list = (data: unknown[], url: string) => ({ object: 'list', data, has_more: false, url });

  async function emit(type: string, object: Json) {
    const event = { id: id('evt'), object: 'event', api_version: '2026-10-28.endive', created: now(), livemode: false, pending_webhooks: 1, type, data: { object } };
    events.push(event);
    if (autoDeliver && webhookUrl) await deliver(event);
    return event;
  }

  /** Posts an event to the app's webhook, signed with the webhook secret (or another, to forge one). */
  async function deliver(event: Json, sign: { secret?: string; payload?: string } = {}) {
    if (!webhookUrl) throw new Error('The Stripe stand-in has no webhook URL: call setWebhookUrl first.');
    const payload = JSON.stringify(event);
    const signature = signer.webhooks.generateTestHeaderString({ payload: sign.payload ?? payload, secret: sign.secret ?? webhookSecret });
    const response = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: payload });
    return { status: response.status, body: (await response.json().catch(() => null)) as Json | null };
  }

  function newInvoice(s: FakeSubscription, amount: number, status = 'paid') {
    const invoice: FakeInvoice = {
      id: id('in'),
      number: `STEWARD-${String(invoices.length + 1).padStart(4, '0')}`,
      customer: s.customer,
      subscription: s.id,
      amountDue: amount,
      amountPaid: status === 'paid' ? amount : 0,
      status,
      created: now(),
    };
    invoices.push(invoice);
    return invoice;
  }

  /** Creates an active subscription as a completed Checkout would, and emits its events. */
  async function subscribe(customer: string, priceId: string, metadata: Record<string, string> = {}) {
    const start = now();
    const subscription: FakeSubscription = {
      id: id('sub'),
      customer,
      status: 'active',
      priceId,
      itemId: id('si'),
      cancelAtPeriodEnd: false,
      created: start,
      currentPeriodStart: start,
      currentPeriodEnd: start + 30 * 24 * 3600,
      metadata,
    };
    subscriptions.set(subscription.id, subscription);
    const invoice = newInvoice(subscription, prices.find((p) => p.id === priceId)!.unitAmount);
    return { subscription, invoice };
  }

  const api = async (method: string, path: string, query: URLSearchParams, body: Json): Promise<[number, unknown]> => {
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/customers') {
      const customer = { id: id('cus'), object: 'customer', name: body.name ?? null, email: body.email ?? null, metadata: body.metadata ?? {}, created: now() };
      customers.set(customer.id, customer);
      return [200, customer];
    }
    if (method === 'GET' && path === '/v1/prices') {
      const keys = [...query.entries()].filter(([k]) => k.startsWith('lookup_keys')).map(([, v]) => v);
      return [200, list(prices.filter((p) => keys.length === 0 || keys.includes(p.lookupKey)).map((p) => priceObject(p.id)), '/v1/prices')];
    }
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      const item = asArray(body.line_items)[0];
      const priceId = String(item?.price ?? '');
      if (!prices.some((p) => p.id === priceId)) return [400, { error: { type: 'invalid_request_error', message: `No such price: '${priceId}'` } }];
      if (!customers.has(String(body.customer))) return [400, { error: { type: 'invalid_request_error', message: `No such customer: '${String(body.customer)}'` } }];
      const session: FakeCheckout = {
        id: id('cs'),
        customer: String(body.customer),
        priceId,
        successUrl: String(body.success_url),
        cancelUrl: String(body.cancel_url),
        metadata: ((body.subscription_data as Json | undefined)?.metadata as Record<string, string>) ?? {},
        clientReferenceId: (body.client_reference_id as string | undefined) ?? null,
        status: 'open',
        subscription: null,
      };
      checkouts.set(session.id, session);
      return [200, { id: session.id, object: 'checkout.session', mode: 'subscription', customer: session.customer, status: 'open', url: `${baseUrl}/checkout/${session.id}` }];
    }
    if (method === 'POST' && path === '/v1/billing_portal/sessions') {
      const portalId = id('bps');
      portals.set(portalId, { customer: String(body.customer), returnUrl: String(body.return_url) });
      return [200, { id: portalId, object: 'billing_portal.session', customer: body.customer, return_url: body.return_url, url: `${baseUrl}/portal/${portalId}` }];
    }
    if (method === 'POST' && path === '/v1/subscriptions') {
      const priceId = String(asArray(body.items)[0]?.price ?? '');
      if (!prices.some((p) => p.id === priceId)) return [400, { error: { type: 'invalid_request_error', message: `No such price: '${priceId}'` } }];
      if (!customers.has(String(body.customer))) return [400, { error: { type: 'invalid_request_error', message: `No such customer: '${String(body.customer)}'` } }];
      const { subscription } = await subscribe(String(body.customer), priceId, (body.metadata as Record<string, string>) ?? {});
      if (body.cancel_at_period_end === 'true') subscription.cancelAtPeriodEnd = true;
      await emit('customer.subscription.created', subscriptionObject(subscription));
      return [200, subscriptionObject(subscription)];
    }
    if (method === 'GET' && path === '/v1/subscriptions') {
      const customer = query.get('customer');
      const found = [...subscriptions.values()].filter((s) => !customer || s.customer === customer).sort((a, b) => b.created - a.created);
      return [200, list(found.map(subscriptionObject), '/v1/subscriptions')];
    }
    if ((m = /^\/v1\/subscriptions\/(sub_\w+)$/.exec(path))) {
      const subscription = subscriptions.get(m[1]!);
      if (!subscription) return [404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such subscription: '${m[1]}'` } }];
      if (method === 'GET') return [200, subscriptionObject(subscription)];
      if (method === 'DELETE') {
        subscription.status = 'canceled';
        await emit('customer.subscription.deleted', subscriptionObject(subscription));
        return [200, subscriptionObject(subscription)];
      }
      if (method === 'POST') {
        const item = asArray(body.items)[0];
        if (item?.price) {
          const before = prices.find((p) => p.id === subscription.priceId)!;
          const after = prices.find((p) => p.id === item.price);
          if (!after) return [400, { error: { type: 'invalid_request_error', message: `No such price: '${String(item.price)}'` } }];
          subscription.priceId = after.id;
          // Proration: the difference for the rest of the period, invoiced now (at least 0).
          newInvoice(subscription, Math.max(0, after.unitAmount - before.unitAmount));
        }
        if (body.cancel_at_period_end !== undefined) subscription.cancelAtPeriodEnd = body.cancel_at_period_end === 'true';
        await emit('customer.subscription.updated', subscriptionObject(subscription));
        return [200, subscriptionObject(subscription)];
      }
    }
    if (method === 'GET' && path === '/v1/invoices') {
      const customer = query.get('customer');
      return [200, list(invoices.filter((i) => !customer || i.customer === customer).sort((a, b) => b.created - a.created).map(invoiceObject), '/v1/invoices')];
    }
    return [404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` } }];
  };

  const page = (title: string, body: string) =>
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', baseUrl);
      const method = req.method ?? 'GET';
      try {
        let m: RegExpExecArray | null;
        if (url.pathname.startsWith('/v1/')) {
          if (!/^Bearer sk_/.test(req.headers.authorization ?? '')) {
            res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } }));
            return;
          }
          const body = method === 'GET' ? {} : parseForm(raw);
          requests.push({ method, path: url.pathname, body });
          if (failures.count > 0) {
            failures.count -= 1;
            res.writeHead(failures.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { type: 'api_error', message: 'The stand-in is down.' } }));
            return;
          }
          const [status, answer] = await api(method, url.pathname, url.searchParams, body);
          res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req') }).end(JSON.stringify(answer));
          return;
        }
        if ((m = /^\/checkout\/(cs_\w+)$/.exec(url.pathname)) && method === 'GET') {
          const session = checkouts.get(m[1]!);
          if (!session) return void res.writeHead(404).end('No such session');
          const price = prices.find((p) => p.id === session.priceId)!;
          res.writeHead(200, { 'content-type': 'text/html' }).end(
            page(
              'Stripe stand-in — Checkout',
              `<p>Subscribe to <strong>${price.name}</strong>: €${(price.unitAmount / 100).toFixed(2)} a month.</p>
               <form method="post" action="/checkout/${session.id}/pay"><button type="submit">Pay</button></form>
               <p><a href="${session.cancelUrl}">Back</a></p>`,
            ),
          );
          return;
        }
        if ((m = /^\/checkout\/(cs_\w+)\/pay$/.exec(url.pathname)) && method === 'POST') {
          const session = checkouts.get(m[1]!);
          if (!session || session.status !== 'open') return void res.writeHead(404).end('No open session');
          const { subscription, invoice } = await subscribe(session.customer, session.priceId, session.metadata);
          session.status = 'complete';
          session.subscription = subscription.id;
          await emit('checkout.session.completed', {
            id: session.id,
            object: 'checkout.session',
            mode: 'subscription',
            status: 'complete',
            customer: session.customer,
            subscription: subscription.id,
            client_reference_id: session.clientReferenceId,
          });
          await emit('customer.subscription.created', subscriptionObject(subscription));
          await emit('invoice.paid', invoiceObject(invoice));
          res.writeHead(303, { location: session.successUrl }).end();
          return;
        }
        if ((m = /^\/portal\/(bps_\w+)$/.exec(url.pathname)) && method === 'GET') {
          const portal = portals.get(m[1]!);
          if (!portal) return void res.writeHead(404).end('No such session');
          res.writeHead(200, { 'content-type': 'text/html' }).end(page('Stripe stand-in — Customer portal', `<p>Payment method: visa •••• 4242</p><p><a href="${portal.returnUrl}">Return</a></p>`));
          return;
        }
        if ((m = /^\/invoices\/(in_\w+)\.pdf$/.exec(url.pathname))) {
          res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.4 stand-in');
          return;
        }
        res.writeHead(404).end('Not found');
      } catch (error) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    webhookSecret,
    events,
    requests,
    customers,
    subscriptions,
    invoices,
    /** The app's environment for billing through this stand-in. */
    env: () => ({ STRIPE_SECRET_KEY: 'sk_test_stand_in', STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_URL: baseUrl }),
    setWebhookUrl(url: string) {
      webhookUrl = url;
    },
    /** Hold events (they are still recorded in `events`) instead of posting them at once. */
    holdEvents(hold = true) {
      autoDeliver = !hold;
    },
    deliver,
    emit,
    /** Refuses the next `count` API requests with `status` (the client retries a 5xx twice by itself). */
    failNext(count: number, status = 503) {
      failures = { count, status };
    },
    subscribe,
    /** Completes a Checkout session as the Pay button does (for tests without a browser). */
    async pay(checkoutUrl: string) {
      const response = await fetch(`${checkoutUrl}/pay`, { method: 'POST', redirect: 'manual' });
      return response.headers.get('location');
    },
    /** Changes a subscription's status on the provider's side and emits the update, as a failed renewal would. */
    async setStatus(subscriptionId: string, status: string, options: { emit?: boolean } = {}) {
      const subscription = subscriptions.get(subscriptionId)!;
      subscription.status = status;
      if (options.emit !== false) return emit('customer.subscription.updated', subscriptionObject(subscription));
      return null;
    },
    subscriptionOf(customerId: string) {
      return [...subscriptions.values()].filter((s) => s.customer === customerId).sort((a, b) => b.created - a.created)[0] ?? null;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
export type FakeStripe = Awaited<ReturnType<typeof startFakeStripe>>;

/**
 * Gives an organisation a live subscription through the app's billing provider (the stand-in), the
 * way a completed Checkout leaves it, without a browser: customer, subscription, and the state the
 * app keeps. For tests and samples that need an organisation with a subscription.
 */
export async function subscribeOrganisation(app: TestApp, organisationId: string, options: { plan?: 'starter' | 'professional'; cancelAtPeriodEnd?: boolean } = {}) {
  const billing = app.config.billing;
  if (!billing?.apiUrl) throw new Error('subscribeOrganisation needs an app billing through the Stripe stand-in (fakeStripe: true).');
  const stripe = new Stripe(billing.secretKey, { host: billing.apiUrl.hostname, port: billing.apiUrl.port, protocol: 'http' });
  const plan = options.plan ?? 'starter';
  const customer = await stripe.customers.create({ name: `Organisation ${organisationId}`, metadata: { organisationId } });
  // The app learns the customer first, as when Checkout starts, so that the subscription's events find it.
  await app.db
    .insertInto('billing_subscriptions')
    .values({ organisation_id: organisationId, provider: 'stripe', customer_id: customer.id })
    .onConflict((oc) => oc.column('organisation_id').doUpdateSet({ customer_id: customer.id, subscription_id: null, status: null }))
    .execute();
  const subscription = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: `price_steward_${plan}_monthly` }],
    metadata: { organisationId },
    ...(options.cancelAtPeriodEnd && { cancel_at_period_end: true }),
  });
  // Events may be held by the test: the state is written as the webhook would write it.
  const end = subscription.items.data[0]!.current_period_end;
  await app.db
    .updateTable('billing_subscriptions')
    .set({ subscription_id: subscription.id, plan_id: plan, status: 'active', cancel_at_period_end: Boolean(options.cancelAtPeriodEnd), current_period_end: new Date(end * 1000), updated_at: sql<Date>`now()` })
    .where('organisation_id', '=', organisationId)
    .execute();
  await app.db.updateTable('organisations').set({ plan_id: plan }).where('id', '=', organisationId).execute();
  return { customerId: customer.id, subscriptionId: subscription.id };
}
