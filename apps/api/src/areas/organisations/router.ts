import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { orgProcedure } from '../../access/middleware.js';
import { actorOf, authedProcedure, router } from '../../trpc.js';
import { createOwnOrganisation, getOrganisation, restoreOrganisation, scheduleDeletion, updateBillingDetails, updateOrganisation } from './organisations.js';
import { createOrganisationInput, deleteOrganisationInput, organisationOutput, updateBillingDetailsInput, updateOrganisationInput } from './schemas.js';

export const organisationsRouter = router({
  /** Anyone signed in may create an organisation (SPEC §3) and becomes its admin. */
  create: authedProcedure
    .input(createOrganisationInput)
    .output(z.object({ id: z.string(), name: z.string(), globalWorkspaceId: z.string() }))
    .mutation(({ ctx, input }) => {
      // A key speaks for the one organisation it belongs to; a new organisation is made signed in.
      if (ctx.apiKey) throw new TRPCError({ code: 'FORBIDDEN', message: 'Organisations are created from the console, not with an API key.' });
      return createOwnOrganisation(ctx, actorOf(ctx), input);
    }),
  get: orgProcedure('organisation.view')
    .meta({ openapi: { method: 'GET', path: '/organisations/{organisationId}', tags: ['organisations'], summary: "The organisation's information" } })
    .output(organisationOutput)
    .query(({ ctx }) => getOrganisation(ctx.db, ctx.org.id)),
  update: orgProcedure('organisation.edit')
    .meta({ openapi: { method: 'PATCH', path: '/organisations/{organisationId}', tags: ['organisations'], summary: "Change the organisation's name or logo" } })
    .input(updateOrganisationInput)
    .output(organisationOutput)
    .mutation(({ ctx, input }) => updateOrganisation(ctx.db, actorOf(ctx), ctx.org.id, input)),
  updateBillingDetails: orgProcedure('billing.manage')
    .meta({ openapi: { method: 'PUT', path: '/organisations/{organisationId}/billing-details', tags: ['organisations'], summary: 'Billing email, address and tax id' } })
    .input(updateBillingDetailsInput)
    .output(organisationOutput)
    .mutation(({ ctx, input }) => updateBillingDetails(ctx.db, actorOf(ctx), ctx.org.id, input)),
  delete: orgProcedure('organisation.delete')
    .meta({ openapi: { method: 'POST', path: '/organisations/{organisationId}/delete', tags: ['organisations'], summary: 'Schedule the organisation for deletion (purged after 7 days)' } })
    .input(deleteOrganisationInput)
    .output(z.object({ deletionScheduledUntil: z.string() }))
    .mutation(({ ctx, input }) => scheduleDeletion(ctx, actorOf(ctx), ctx.org.id, input.confirmName)),
  /** The one procedure that reaches an organisation scheduled for deletion. */
  restore: orgProcedure('organisation.delete', { whileDeletionScheduled: true })
    .meta({ openapi: { method: 'POST', path: '/organisations/{organisationId}/restore', tags: ['organisations'], summary: 'Restore an organisation scheduled for deletion' } })
    .output(organisationOutput)
    .mutation(({ ctx }) => restoreOrganisation(ctx.db, actorOf(ctx), ctx.org.id)),
});
