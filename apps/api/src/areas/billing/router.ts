import { z } from 'zod';
import { orgProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import { billingOverview, changePlan, listInvoices, openPortal, setCancellation, startCheckout } from './billing.js';
import { billingOverviewOutput, cancellationOutput, invoicesOutput, planIdInput, redirectOutput } from './schemas.js';

export const billingRouter = router({
  overview: orgProcedure('billing.view')
    .meta({ openapi: { method: 'GET', path: '/organisations/{organisationId}/billing', tags: ['billing'], summary: 'Plan, usage against its limits, subscription' } })
    .output(billingOverviewOutput)
    .query(({ ctx }) => billingOverview(ctx, ctx.org.id)),
  invoices: orgProcedure('billing.view')
    .meta({ openapi: { method: 'GET', path: '/organisations/{organisationId}/billing/invoices', tags: ['billing'], summary: 'Invoices with amount, status and PDF link' } })
    .output(invoicesOutput)
    .query(({ ctx }) => listInvoices(ctx, ctx.org.id)),
  checkout: orgProcedure('billing.manage')
    .meta({ openapi: { method: 'POST', path: '/organisations/{organisationId}/billing/checkout', tags: ['billing'], summary: 'A Checkout session to subscribe to a plan' } })
    .input(planIdInput)
    .output(redirectOutput)
    .mutation(({ ctx, input }) => startCheckout(ctx, actorOf(ctx), ctx.org.id, input.planId)),
  portal: orgProcedure('billing.manage')
    .meta({ openapi: { method: 'POST', path: '/organisations/{organisationId}/billing/portal', tags: ['billing'], summary: "The provider's customer portal (payment method, invoices)" } })
    .output(redirectOutput)
    .mutation(({ ctx }) => openPortal(ctx, actorOf(ctx), ctx.org.id)),
  changePlan: orgProcedure('billing.manage')
    .meta({ openapi: { method: 'POST', path: '/organisations/{organisationId}/billing/plan', tags: ['billing'], summary: "Move the subscription to another plan (prorated)" } })
    .input(planIdInput)
    .output(z.object({ planId: z.string() }))
    .mutation(({ ctx, input }) => changePlan(ctx, actorOf(ctx), ctx.org.id, input.planId)),
  cancel: orgProcedure('billing.cancel')
    .meta({ openapi: { method: 'POST', path: '/organisations/{organisationId}/billing/cancel', tags: ['billing'], summary: 'Cancel the subscription at the end of the period' } })
    .output(cancellationOutput)
    .mutation(({ ctx }) => setCancellation(ctx, actorOf(ctx), ctx.org.id, true)),
  resume: orgProcedure('billing.cancel')
    .meta({ openapi: { method: 'POST', path: '/organisations/{organisationId}/billing/resume', tags: ['billing'], summary: 'Undo the cancellation before the period ends' } })
    .output(cancellationOutput)
    .mutation(({ ctx }) => setCancellation(ctx, actorOf(ctx), ctx.org.id, false)),
});
