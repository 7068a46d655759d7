import { useState } from 'react';
import type { Organisation } from '../../Layout';
import { can } from '../../permissions';
import { useLocation } from '../../routes';
import { trpc, type RouterOutputs } from '../../trpc';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { formatDateTime } from '../../ui/formatDate';

type Overview = RouterOutputs['billing']['overview'];
type Plan = Overview['plans'][number];
type LimitKind = keyof Overview['usage'];

const LIMIT_LABELS: Record<LimitKind, string> = { seats: 'Seats', workspaces: 'Workspaces', contacts: 'Contacts', emailsPerMonth: 'Campaign emails this month' };
const number = (n: number) => n.toLocaleString();
const money = (cents: number, currency: string) => new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);

/** Billing (seed 002): plan, usage against each limit, subscription, plans, invoices. Billing admins and admins act, user admins read. */
export function BillingPage({ organisation }: { organisation: Organisation }) {
  const { search } = useLocation();
  const returned = new URLSearchParams(search).get('checkout');
  // Back from Checkout, the provider's event may still be on its way: look again for a little while.
  const overview = trpc.billing.overview.useQuery(
    { organisationId: organisation.id },
    { refetchInterval: (query) => (returned === 'done' && !query.state.data?.subscription && query.state.dataUpdateCount < 15 ? 1_000 : false) },
  );
  const data = overview.data;
  return (
    <>
      <div className="page-header">
        <h1>Billing</h1>
      </div>
      <ErrorMessage error={overview.error} />
      {overview.isPending && <p className="loading">Loading…</p>}
      {/* A payment past due has its banner on every page (Layout). */}
      {returned === 'done' && data?.subscription && (
        <p className="success" role="status">
          Thank you: the subscription is active.
        </p>
      )}
      {data && (
        <>
          <PlanCard organisation={organisation} overview={data} />
          <UsageCard overview={data} />
          {data.provider && <PlansCard organisation={organisation} overview={data} />}
          {data.provider && <InvoicesCard organisationId={organisation.id} />}
        </>
      )}
    </>
  );
}

function PlanCard({ organisation, overview }: { organisation: Organisation; overview: Overview }) {
  const utils = trpc.useUtils();
  const [confirmCancel, setConfirmCancel] = useState(false);
  const refresh = () => utils.billing.overview.invalidate({ organisationId: organisation.id });
  const portal = trpc.billing.portal.useMutation({ onSuccess: ({ url }) => window.location.assign(url) });
  const cancel = trpc.billing.cancel.useMutation({ onSuccess: () => (setConfirmCancel(false), refresh()) });
  const resume = trpc.billing.resume.useMutation({ onSuccess: refresh });
  const subscription = overview.subscription;
  return (
    <section className="card" aria-labelledby="plan-heading">
      <h2 id="plan-heading">Plan: {overview.plan.name}</h2>
      {!overview.provider && <p>This installation has no billing provider: every organisation is on the Self-hosted plan, without limits.</p>}
      {overview.provider && !subscription && <p>No subscription yet: the {overview.plan.name} plan's limits apply. Choose a plan below to subscribe.</p>}
      {subscription && (
        <dl className="facts">
          <dt>Status</dt>
          <dd>{subscription.status === 'past_due' ? 'Payment past due' : subscription.cancelAtPeriodEnd ? 'Cancelled at the end of the period' : 'Active'}</dd>
          <dt>{subscription.cancelAtPeriodEnd ? 'Ends on' : 'Renews on'}</dt>
          <dd>{formatDateTime(subscription.currentPeriodEnd)}</dd>
          <dt>Payment method</dt>
          <dd>{subscription.paymentMethod ?? 'None on file'}</dd>
        </dl>
      )}
      <div className="dialog-actions start">
        {overview.provider && can(organisation, 'billing.manage') && (
          <button className="button" disabled={portal.isPending} onClick={() => portal.mutate({ organisationId: organisation.id })}>
            Manage payment method and invoices
          </button>
        )}
        {subscription && can(organisation, 'billing.cancel') && !subscription.cancelAtPeriodEnd && (
          <button className="button danger" onClick={() => setConfirmCancel(true)}>
            Cancel subscription…
          </button>
        )}
        {subscription && can(organisation, 'billing.cancel') && subscription.cancelAtPeriodEnd && (
          <button className="button primary" disabled={resume.isPending} onClick={() => resume.mutate({ organisationId: organisation.id })}>
            Keep the subscription
          </button>
        )}
      </div>
      <ErrorMessage error={portal.error ?? resume.error} />
      {confirmCancel && (
        <ConfirmDialog title="Cancel the subscription?" confirmLabel="Cancel subscription" mutation={cancel} onConfirm={() => cancel.mutate({ organisationId: organisation.id })} onCancel={() => setConfirmCancel(false)}>
          <p>It stays active until {formatDateTime(subscription?.currentPeriodEnd)}, then the organisation moves to the Starter plan's limits. You can undo this until then.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function UsageCard({ overview }: { overview: Overview }) {
  return (
    <section className="card" aria-labelledby="usage-heading">
      <h2 id="usage-heading">Usage</h2>
      <div className="usage">
        {(Object.keys(LIMIT_LABELS) as LimitKind[]).map((kind) => {
          const used = overview.usage[kind];
          const limit = overview.plan.limits[kind];
          const id = `usage-${kind}`;
          return (
            <div key={kind} className="usage-row">
              <label htmlFor={id}>{LIMIT_LABELS[kind]}</label>
              {limit === 0 ? (
                <meter id={id} min={0} max={1} value={0} aria-valuetext={`${number(used)}, unlimited`} />
              ) : (
                <meter id={id} min={0} max={limit} value={Math.min(used, limit)} high={limit * 0.9} optimum={0} aria-valuetext={`${number(used)} of ${number(limit)}`} />
              )}
              <span data-testid={`usage-${kind}`}>{limit === 0 ? `${number(used)} (unlimited)` : `${number(used)} of ${number(limit)}`}</span>
            </div>
          );
        })}
      </div>
    </section>
  );
}

function limitsLine(plan: Plan) {
  const part = (n: number, noun: string) => (n === 0 ? `unlimited ${noun}` : `${number(n)} ${noun}`);
  return [part(plan.limits.seats, 'seats'), part(plan.limits.workspaces, 'workspaces'), part(plan.limits.contacts, 'contacts'), part(plan.limits.emailsPerMonth, 'emails a month')].join(' · ');
}

function PlansCard({ organisation, overview }: { organisation: Organisation; overview: Overview }) {
  const utils = trpc.useUtils();
  const [switchTo, setSwitchTo] = useState<Plan | null>(null);
  const checkout = trpc.billing.checkout.useMutation({ onSuccess: ({ url }) => window.location.assign(url) });
  const change = trpc.billing.changePlan.useMutation({
    onSuccess: async () => {
      setSwitchTo(null);
      await utils.billing.overview.invalidate({ organisationId: organisation.id });
      await utils.billing.invoices.invalidate({ organisationId: organisation.id });
    },
  });
  const manage = can(organisation, 'billing.manage');
  const current = overview.plans.find((p) => p.id === overview.plan.id);
  return (
    <section className="card" aria-labelledby="plans-heading">
      <h2 id="plans-heading">Plans</h2>
      <table className="table" aria-label="Plans">
        <tbody>
          {overview.plans.map((plan) => (
            <tr key={plan.id}>
              <th scope="row">{plan.name}</th>
              <td>{plan.monthlyPriceCents !== null && plan.currency ? `${money(plan.monthlyPriceCents, plan.currency)} a month` : 'Priced with you'}</td>
              <td>{limitsLine(plan)}</td>
              <td className="actions">
                {plan.id === overview.plan.id ? (
                  <strong>Current plan</strong>
                ) : plan.contactSales ? (
                  <span>Contact sales</span>
                ) : !manage ? null : overview.subscription ? (
                  <button className="button small" onClick={() => setSwitchTo(plan)}>
                    {current && plan.rank < current.rank ? `Downgrade to ${plan.name}` : `Switch to ${plan.name}`}
                  </button>
                ) : (
                  <button className="button small primary" disabled={checkout.isPending} onClick={() => checkout.mutate({ organisationId: organisation.id, planId: plan.id })}>
                    Subscribe to {plan.name}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorMessage error={checkout.error} />
      {switchTo && (
        <ConfirmDialog
          title={`Switch to ${switchTo.name}?`}
          confirmLabel={`Switch to ${switchTo.name}`}
          mutation={change}
          onConfirm={() => change.mutate({ organisationId: organisation.id, planId: switchTo.id })}
          onCancel={() => setSwitchTo(null)}
        >
          <p>The price changes now; the difference for the rest of the period is prorated on the next invoice. New limits: {limitsLine(switchTo)}.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function InvoicesCard({ organisationId }: { organisationId: string }) {
  const invoices = trpc.billing.invoices.useQuery({ organisationId });
  return (
    <section className="card" aria-labelledby="invoices-heading">
      <h2 id="invoices-heading">Invoices</h2>
      <ErrorMessage error={invoices.error} />
      {invoices.data?.length === 0 && <p className="muted">No invoices yet.</p>}
      {invoices.data && invoices.data.length > 0 && (
        <table className="table" aria-label="Invoices">
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Number</th>
              <th scope="col">Amount</th>
              <th scope="col">Status</th>
              <th scope="col">PDF</th>
            </tr>
          </thead>
          <tbody>
            {invoices.data.map((invoice) => (
              <tr key={invoice.id}>
                <td>{formatDateTime(invoice.createdAt)}</td>
                <td>{invoice.number ?? '—'}</td>
                <td>{money(invoice.amountDueCents, invoice.currency)}</td>
                <td>{invoice.status ?? '—'}</td>
                <td>{invoice.pdfUrl ? <a href={invoice.pdfUrl}>Download</a> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
